package io.imago.state.s3;

import io.imago.state.LockInfo;
import io.imago.state.StateJson;
import io.imago.state.StateLockedException;
import io.imago.state.StateStore;
import io.imago.state.StateStoreException;
import java.io.IOException;
import java.util.Optional;

/**
 * The lock of a remote state: the object {@code PREFIX/lock}, created only if absent (a conditional write, as
 * Terraform's S3 backend locks), whose body names its holder. Releasing deletes it. Unlike a local file lock,
 * it does not go away with a killed holder: a run killed with -9, or a lost machine, leaves it behind, and the
 * next run is refused naming the holder and its age until someone who knows that run is gone deletes the
 * object (the hint says how).
 */
final class S3Lock implements StateStore.Lock {
    static final String KEY = "lock";
    /** How often a lock seen taken but then found gone (released meanwhile) is tried again. */
    private static final int TRIES = 3;

    private final S3Objects objects;
    private final LockInfo mine;

    private S3Lock(S3Objects objects, LockInfo mine) {
        this.objects = objects;
        this.mine = mine;
    }

    /** @throws StateLockedException naming the holder, when the lock object exists */
    static S3Lock acquire(S3Objects objects, String operation) {
        LockInfo me = LockInfo.forThisProcess(operation);
        byte[] body = StateJson.bytes(me);
        Optional<LockInfo> holder = Optional.empty();
        for (int i = 0; i < TRIES; i++) {
            if (objects.putIfAbsent(KEY, body)) {
                return new S3Lock(objects, me);
            }
            Optional<byte[]> current = objects.get(KEY);
            if (current.isPresent()) {
                holder = parse(current.get());
                if (holder.isPresent() && holder.get().equals(me)) {
                    // our own write, retried by the SDK after its answer was lost: the first attempt won
                    return new S3Lock(objects, me);
                }
                throw locked(objects.location(), holder.orElse(null));
            }
            // released between our write and our read (or a conditional write in flight was refused): try again
            pause(100L << i);
        }
        throw locked(objects.location(), holder.orElse(null));
    }

    /** Deletes the lock object if it is still this run's; says so when someone removed or replaced it meanwhile. */
    @Override
    public void close() {
        Optional<LockInfo> current = objects.get(KEY).flatMap(S3Lock::parse);
        if (current.isPresent() && current.get().equals(mine)) {
            objects.delete(KEY);
            return;
        }
        String now = current.map(h -> "it is now held by " + h.describe()).orElse("it is gone");
        throw new StateStoreException("the lock " + objects.location().url(KEY) + " was removed while this run held it and "
                + now + "; another run may have changed the state meanwhile: check `imago status`", null);
    }

    private static StateLockedException locked(S3Location location, LockInfo holder) {
        return new StateLockedException(holder, "wait for it to finish. A run that was killed (kill -9, a lost machine) leaves"
                + " the lock behind: once you are sure it no longer runs, delete it (aws s3 rm " + location.url(KEY) + ")");
    }

    private static Optional<LockInfo> parse(byte[] body) {
        try {
            return Optional.of(StateJson.read(body, LockInfo.class));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

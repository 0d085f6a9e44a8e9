package io.imago.state;

/** Holds the state lock in a separate process, as another imago run would, until killed. */
public final class LockHolder {
    public static void main(String[] args) throws Exception {
        new LocalStateStore(java.nio.file.Path.of(args[0])).lock("apply");
        System.out.println("locked");
        System.out.flush();
        Thread.sleep(60_000);
    }
}

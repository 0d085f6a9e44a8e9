package io.imago.state.s3;

import io.imago.state.StateStoreException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The few object calls a remote state needs, under one location, with every SDK failure turned into a
 * {@link StateStoreException} that names the object and says what S3 answered.
 */
final class S3Objects {
    private static final String JSON = "application/json";

    private final S3Client s3;
    private final S3Location location;

    S3Objects(S3Client s3, S3Location location) {
        this.s3 = s3;
        this.location = location;
    }

    S3Location location() {
        return location;
    }

    /** The object's bytes, or empty when there is none. */
    Optional<byte[]> get(String relative) {
        return call("read", relative, () -> {
            try {
                return Optional.of(s3.getObjectAsBytes(b -> b.bucket(location.bucket()).key(location.key(relative))).asByteArray());
            } catch (NoSuchKeyException e) {
                return Optional.empty();
            }
        });
    }

    /** Writes the whole object: S3 replaces it atomically, a reader sees the old bytes or the new ones. */
    void put(String relative, byte[] body) {
        call("write", relative, () -> s3.putObject(b -> b.bucket(location.bucket()).key(location.key(relative)).contentType(JSON),
                RequestBody.fromBytes(body)));
    }

    /**
     * Writes the object only if there is none ({@code If-None-Match: *}): of several writers, exactly one wins.
     *
     * @return false when an object is there already (412), or another conditional write of it is in flight (409)
     */
    boolean putIfAbsent(String relative, byte[] body) {
        return call("create", relative, () -> {
            try {
                s3.putObject(b -> b.bucket(location.bucket()).key(location.key(relative)).contentType(JSON).ifNoneMatch("*"),
                        RequestBody.fromBytes(body));
                return true;
            } catch (S3Exception e) {
                if (e.statusCode() == 412 || e.statusCode() == 409) {
                    return false;
                }
                throw e;
            }
        });
    }

    /** Deletes the object; nothing to do when there is none. */
    void delete(String relative) {
        call("delete", relative, () -> s3.deleteObject(b -> b.bucket(location.bucket()).key(location.key(relative))));
    }

    /** The names of the objects directly in a folder ({@code universes}), in key order. */
    List<String> list(String folder) {
        String keyPrefix = location.key(folder) + "/";
        return call("list", folder + "/", () -> {
            List<String> names = new ArrayList<>();
            for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(location.bucket()).prefix(keyPrefix).delimiter("/")).contents()) {
                names.add(o.key().substring(keyPrefix.length()));
            }
            return names;
        });
    }

    private <T> T call(String what, String relative, Supplier<T> call) {
        try {
            return call.get();
        } catch (SdkException e) {
            throw new StateStoreException("cannot " + what + " " + location.url(relative) + ": " + reason(e), e);
        }
    }

    /** What S3 said, in a user's words where the cause is a usual one. */
    static String reason(SdkException e) {
        if (e instanceof S3Exception s) {
            String code = s.awsErrorDetails() == null ? null : s.awsErrorDetails().errorCode();
            if ("NoSuchBucket".equals(code)) {
                return "the bucket does not exist";
            }
            if (s.statusCode() == 403) {
                return "access denied (" + (code == null ? "403" : code) + "): the credentials need s3:GetObject, s3:PutObject,"
                        + " s3:DeleteObject and s3:ListBucket on the bucket";
            }
            String message = s.awsErrorDetails() == null ? null : s.awsErrorDetails().errorMessage();
            return (code == null ? "" : code + ", ") + "HTTP " + s.statusCode() + (message == null ? "" : ": " + message);
        }
        return e.getMessage();
    }
}

package io.imago.state;

import io.imago.state.s3.S3Location;
import io.imago.state.s3.S3StateStore;
import java.nio.file.Path;
import java.util.regex.Pattern;

/** Opens the state a {@code --state} value names: {@code s3://BUCKET/PREFIX} for S3, anything else a local folder. */
public final class StateStores {
    /** A URL of another scheme ({@code blob://...}): refused rather than taken for a folder named {@code blob:}. */
    private static final Pattern OTHER_URL = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*://.*", Pattern.DOTALL);

    private StateStores() {}

    /**
     * Checks a {@code --state} value without opening anything.
     *
     * @throws IllegalArgumentException saying what is wrong with it
     */
    public static void check(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("the state is a folder or s3://BUCKET/PREFIX, not an empty value");
        }
        if (S3Location.isS3(spec)) {
            S3Location.parse(spec);
        } else if (OTHER_URL.matcher(spec).matches()) {
            throw new IllegalArgumentException("'" + spec + "': the state is a folder or s3://BUCKET/PREFIX;"
                    + " no other kind of URL is supported yet");
        }
    }

    /**
     * Opens the state; for S3, builds its client (nothing is read until the store is used).
     *
     * @throws IllegalArgumentException for a value {@link #check} refuses
     * @throws StateStoreException when S3 cannot be reached with the settings at hand (no region)
     */
    public static StateStore open(String spec) {
        check(spec);
        if (S3Location.isS3(spec)) {
            return S3StateStore.open(S3Location.parse(spec));
        }
        return new LocalStateStore(Path.of(spec));
    }
}

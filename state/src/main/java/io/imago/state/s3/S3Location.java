package io.imago.state.s3;

import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Where a remote state lives: {@code s3://BUCKET/PREFIX}. The prefix may be empty (the bucket's root) and is
 * kept to segments of letters, digits, {@code .}, {@code _} and {@code -} (never {@code .} or {@code ..}),
 * because it also names the state's local folder.
 */
public record S3Location(String bucket, String prefix) {
    public static final String SCHEME = "s3://";
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._-]{1,255}");

    public S3Location {
        if (bucket == null || !BUCKET.matcher(bucket).matches()) {
            throw new IllegalArgumentException("'" + bucket + "' is not an S3 bucket name (3 to 63 lowercase letters, digits, '.' and '-')");
        }
        if (!prefix.isEmpty()) {
            for (String s : prefix.split("/", -1)) {
                if (!SEGMENT.matcher(s).matches() || s.equals(".") || s.equals("..")) {
                    throw new IllegalArgumentException("'" + prefix + "' is not a state prefix: use letters, digits, '.', '_' and '-',"
                            + " in segments separated by single '/' (no '.' or '..' segment)");
                }
            }
        }
    }

    /** True when the value names an S3 location ({@code s3://...}, the scheme in any case). */
    public static boolean isS3(String spec) {
        return spec != null && spec.regionMatches(true, 0, SCHEME, 0, SCHEME.length());
    }

    /**
     * Parses {@code s3://BUCKET}, {@code s3://BUCKET/} or {@code s3://BUCKET/PREFIX} (a trailing '/' is dropped).
     *
     * @throws IllegalArgumentException saying what is wrong, for a value that is not one
     */
    public static S3Location parse(String spec) {
        if (!isS3(spec)) {
            throw new IllegalArgumentException("'" + spec + "' is not an s3:// location");
        }
        String rest = spec.substring(SCHEME.length());
        int slash = rest.indexOf('/');
        String bucket = slash < 0 ? rest : rest.substring(0, slash);
        String prefix = slash < 0 ? "" : rest.substring(slash + 1);
        if (bucket.isEmpty()) {
            throw new IllegalArgumentException("no bucket in '" + spec + "': use s3://BUCKET/PREFIX");
        }
        if (prefix.endsWith("/")) {
            prefix = prefix.substring(0, prefix.length() - 1);
        }
        try {
            return new S3Location(bucket, prefix);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("in '" + spec + "': " + e.getMessage(), e);
        }
    }

    /** The object key of a path relative to the prefix ({@code universes/shop-v1.json}, {@code lock}). */
    public String key(String relative) {
        return prefix.isEmpty() ? relative : prefix + "/" + relative;
    }

    /** The {@code s3://} address of a path relative to the prefix, for messages. */
    public String url(String relative) {
        return SCHEME + bucket + "/" + key(relative);
    }

    /** This location's folder under a local root: {@code ROOT/BUCKET/PREFIX...}. */
    public Path under(Path root) {
        Path p = root.resolve(bucket);
        if (!prefix.isEmpty()) {
            for (String s : prefix.split("/")) {
                p = p.resolve(s);
            }
        }
        return p;
    }

    @Override
    public String toString() {
        return SCHEME + bucket + (prefix.isEmpty() ? "" : "/" + prefix);
    }
}

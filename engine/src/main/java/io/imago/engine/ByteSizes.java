package io.imago.engine;

/** Sizes as people read them (binary units), the same in the engine's messages and the CLI's status lines. */
public final class ByteSizes {
    private ByteSizes() {
    }

    public static String human(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int i = -1;
        while (v >= 1024 && i < units.length - 1) {
            v /= 1024;
            i++;
        }
        return String.format("%.1f %s", v, units[i]);
    }
}

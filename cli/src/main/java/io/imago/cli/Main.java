package io.imago.cli;

/** The {@code imago} command. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(Imago.run(System.out, System.err, args));
    }
}

package io.imago.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;

/** Asks on a terminal before a command changes things; never asks with --yes or without a terminal. */
final class Confirmation {
    private Confirmation() {}

    /** @return true to go on */
    static boolean confirm(Output o, String question) {
        if (o.opts.yes || System.console() == null) {
            return true;
        }
        o.err.print(question + " Only 'yes' confirms: ");
        o.err.flush();
        try {
            String line = new BufferedReader(new InputStreamReader(System.in)).readLine();
            return line != null && line.trim().equals("yes");
        } catch (IOException e) {
            return false;
        }
    }
}

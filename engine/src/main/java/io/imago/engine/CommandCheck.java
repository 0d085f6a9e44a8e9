package io.imago.engine;

import io.imago.blueprints.CheckSpec;
import io.imago.providers.spi.ChildEnvironment;
import io.imago.state.IngressState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The {@code command} check: a user's script, run in the blueprint's folder with IMAGO_NEW_URL (a
 * new instance, directly) and IMAGO_OLD_URL (the ingress, still on the old universe); exit 0 passes.
 * Of imago's own environment it gets only {@link ChildEnvironment}'s allowlist.
 */
final class CommandCheck {
    private static final long TIMEOUT_MINUTES = 10;

    private CommandCheck() {}

    static List<String> run(ApplyContext ctx, CheckSpec.Command check) throws IOException, InterruptedException {
        // A clean environment (ChildEnvironment's allowlist): imago's holds IMAGO_SECRET_* values the script has no business with.
        ProcessBuilder pb = ChildEnvironment.clean(new ProcessBuilder(check.argv())).directory(ctx.bp.dir().toFile()).redirectErrorStream(true);
        pb.environment().put("IMAGO_NEW_URL", ctx.endpoints().isEmpty() ? "" : ctx.endpoints().get(0).url());
        IngressState ing = ctx.ingressState().orElse(null);
        pb.environment().put("IMAGO_OLD_URL", ing == null ? "" : ctx.ingressProvider().ingress().url(Resources.resource(ing.resource())));
        Path log = Files.createTempFile("imago-check", ".log");
        try {
            Process p = pb.redirectOutput(log.toFile()).start();
            if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                return List.of("did not finish within " + TIMEOUT_MINUTES + " minutes");
            }
            if (p.exitValue() == 0) {
                return List.of();
            }
            List<String> lines = Files.readAllLines(log);
            String tail = String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
            return List.of("exited " + p.exitValue() + (tail.isBlank() ? "" : ": " + tail));
        } catch (IOException e) {
            return List.of("cannot run " + check.argv().get(0) + ": " + e.getMessage());
        } finally {
            Files.deleteIfExists(log);
        }
    }
}

package io.imago.blueprints;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each {@code golden/NAME.yaml} loads to exactly the diagnostics in {@code golden/NAME.txt}, one
 * per line as {@code SEVERITY file:line:col: message (hint)}. The files show users' view of errors.
 */
class GoldenDiagnosticsTest {

    static Stream<String> cases() throws IOException, URISyntaxException {
        try (Stream<Path> files = Files.list(goldenDir())) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".yaml"))
                    .map(n -> n.substring(0, n.length() - ".yaml".length()))
                    .sorted()
                    .toList()
                    .stream();
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void matchesGolden(String name) throws Exception {
        Path dir = goldenDir();
        String yaml = Files.readString(dir.resolve(name + ".yaml"));
        List<String> expected = Files.readAllLines(dir.resolve(name + ".txt")).stream()
                .filter(line -> !line.isBlank())
                .toList();
        List<String> actual = BlueprintLoader.parse(name + ".yaml", yaml, dir, Map.of("HOME", "/home/u")::get)
                .diagnostics().stream()
                .map(d -> d.severity() + " " + d.oneLine())
                .toList();
        assertEquals(String.join("\n", expected), String.join("\n", actual));
    }

    private static Path goldenDir() throws URISyntaxException {
        return Path.of(GoldenDiagnosticsTest.class.getResource("/golden").toURI());
    }
}

package io.imago.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/** {@code imago plan --timeline FILE}: writes the drawing beside the usual output, and refuses a file it cannot write (exit 2). */
class PlanTimelineCliTest {
    @TempDir Path dir;

    record Run(int code, String out, String err) {}

    Run imago(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] all = new String[args.length + 2];
        all[0] = "--state";
        all[1] = dir.resolve(".imago").toString();
        System.arraycopy(args, 0, all, 2, args.length);
        int code = Imago.run(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), all);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Like the quickstart's shop-v2, replacing a shop-v1 this state does not hold: planned offline, no database read. */
    Path blueprint() throws Exception {
        Files.writeString(dir.resolve("schema.sql"), "CREATE TABLE t (id int primary key);\n");
        return Files.writeString(dir.resolve("shop-v2.yml"), """
                imago: 1
                universe: shop-v2
                replaces: shop-v1
                ingress: { name: shop, port: 18000 }
                compute:
                  - { name: web, count: 2, run: ["java", "-jar", "app.jar"] }
                database: { engine: postgres, version: "15", schema: schema.sql }
                validate:
                  - rowCounts: true
                teardown: { keepOld: 15m }
                """);
    }

    @Test
    void anHtmlTimelineIsWrittenAndThePlanStillPrinted() throws Exception {
        Path file = dir.resolve("plan.html");
        Run r = imago("plan", "--timeline", file.toString(), blueprint().toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("Plan for universe shop-v2") && r.out().contains("Forecast:"), r.out());
        assertTrue(r.out().contains("Timeline: " + file), r.out());
        String html = Files.readString(file);
        assertTrue(html.contains("<h1>imago plan: shop-v2 replaces shop-v1</h1>"), html);
        assertTrue(html.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""), html);
        assertFalse(Files.exists(dir.resolve(".imago")), "plan still leaves no trace in the state");
        assertEquals(html, Files.readString(file), "same plan, same bytes");
        imago("plan", "--timeline", file.toString(), blueprint().toString());
        assertEquals(html, Files.readString(file), "drawn again, the same bytes");
    }

    @Test
    void anSvgTimelineGoesBesideJsonOutputWhichStaysJson() throws Exception {
        Path file = dir.resolve("plan.svg");
        Run r = imago("plan", blueprint().toString(), "--output", "json", "--timeline", file.toString());
        assertEquals(0, r.code(), r.toString());
        assertEquals("shop-v2", new ObjectMapper().readTree(r.out()).get("universe").asText(), "stdout is the plan's JSON alone");
        assertTrue(r.err().contains("timeline written to " + file), r.err());
        Document d = PlanTimelineTest.parse(Files.readString(file));
        assertEquals("svg", d.getDocumentElement().getLocalName());
        assertEquals(new ObjectMapper().readTree(r.out()).at("/duration/steps").size(), PlanTimelineTest.byClass(d, "g", "step").size());
    }

    @Test
    void aFileThatCannotBeWrittenExits2WithoutAStackTrace() throws Exception {
        Path bp = blueprint();
        Files.createDirectories(dir.resolve("taken.svg"));
        for (Path target : new Path[] {dir.resolve("no-such-folder").resolve("plan.html"), dir.resolve("taken.svg")}) {
            Run r = imago("plan", "--timeline", target.toString(), bp.toString());
            assertEquals(2, r.code(), r.toString());
            assertTrue(r.err().contains("error: cannot write the timeline to " + target + ": "), r.err());
            assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), r.err());
            assertFalse(r.out().contains("Plan for universe"), "no plan printed: the command failed");
        }
        Run json = imago("plan", "--output", "json", "--timeline", dir.resolve("no-such-folder/plan.svg").toString(), bp.toString());
        assertEquals(2, json.code());
        assertTrue(new ObjectMapper().readTree(json.out()).at("/error/message").asText().contains("its folder does not exist"), json.out());
    }

    @Test
    void aFileNamedNeitherHtmlNorSvgIsAUsageError() throws Exception {
        Run r = imago("plan", "--timeline", dir.resolve("plan.png").toString(), blueprint().toString());
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("must end in .html") && r.err().contains("imago plan --help"), r.err());
        assertFalse(Files.exists(dir.resolve("plan.png")));
    }

    @Test
    void theOptionIsPlansAloneAndItsHelpShowsAnExample() {
        Run help = imago("plan", "--help");
        assertTrue(help.out().contains("--timeline=FILE.html|FILE.svg"), help.out());
        assertTrue(help.out().contains("imago plan --timeline plan.html shop-v2.yml"), help.out());
        Run status = imago("status", "--timeline", dir.resolve("x.svg").toString());
        assertEquals(2, status.code(), "only plan draws a timeline");
        Run html = imago("status", "--output", "html");
        assertEquals(2, html.code(), "--output is still text|json");
    }
}

package io.imago.providers.spi.shadow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AnswerDiffTest {
    private static final String JSON = "application/json; charset=utf-8";

    private static List<String> paths(List<Difference> d) {
        return d.stream().map(Difference::path).toList();
    }

    @Test
    void jsonIsComparedStructurallyNotByItsText() {
        Answer a = Answer.of(200, JSON, "{\"id\":1,\"name\":\"Ada\",\"tags\":[\"x\",\"y\"]}");
        Answer b = Answer.of(200, "application/json;charset=UTF-8", "{ \"name\": \"Ada\",\n \"id\": 1, \"tags\": [\"x\", \"y\"] }");
        assertEquals(List.of(), AnswerDiff.diff(a, b));
    }

    @Test
    void everyDifferingFieldIsNamedByItsPath() {
        Answer a = Answer.of(200, JSON, "{\"id\":1,\"email\":\"a@x\",\"items\":[{\"id\":5},{\"id\":6}],\"gone\":true}");
        Answer b = Answer.of(200, JSON, "{\"id\":1,\"email\":\"b@x\",\"items\":[{\"id\":5},{\"id\":7},{\"id\":8}],\"added\":1}");
        List<Difference> d = AnswerDiff.diff(a, b);
        assertEquals(List.of("$.email", "$.items[1].id", "$.items[2]", "$.gone", "$.added"), paths(d));
        assertEquals("$.email is \"b@x\" (old: \"a@x\")", d.get(0).describe());
        assertEquals("$.gone is missing (old: true)", d.get(3).describe());
        assertEquals("$.added is new (1)", d.get(4).describe());
    }

    @Test
    void statusAndTheHeadersThatMatterAreCompared() {
        Answer a = new Answer(200, Map.of("Content-Type", "text/plain", "Date", "Mon", "X-Universe", "v1"), "x".getBytes());
        Answer b = new Answer(404, Map.of("Content-Type", "text/html", "Date", "Tue", "X-Universe", "v2"), "x".getBytes());
        assertEquals(List.of("status", "header content-type"), paths(AnswerDiff.diff(a, b)));
        assertEquals("no answer", AnswerDiff.diff(a, Answer.NONE).get(0).neu());
    }

    @Test
    void otherBodiesAreComparedByteForByte() {
        Answer a = Answer.of(200, "text/plain", "hello world");
        assertEquals(List.of(), AnswerDiff.diff(a, Answer.of(200, "text/plain", "hello world")));
        List<Difference> d = AnswerDiff.diff(a, Answer.of(200, "text/plain", "hello World"));
        assertEquals(List.of("body"), paths(d));
        assertTrue(d.get(0).neu().contains("from byte 6"), d.toString());
        // JSON on one side only: bytes
        assertEquals(List.of("body"), paths(AnswerDiff.diff(Answer.of(200, JSON, "{}"), Answer.of(200, JSON, "not json"))));
    }

    @Test
    void ignorePathsLeaveOutFieldsAndTheirSubtrees() {
        IgnorePaths ig = IgnorePaths.of(List.of("$.servedAt", "email_domain", "$.items[*].etag", "$.meta"));
        assertTrue(ig.ignores("$.servedAt"));
        assertFalse(ig.ignores("$.a.servedAt"), "a $-path is anchored at the root");
        assertTrue(ig.ignores("$.email_domain"));
        assertTrue(ig.ignores("$[3].email_domain"), "a bare name is that field at any depth");
        assertTrue(ig.ignores("$.items[12].etag"));
        assertFalse(ig.ignores("$.items[12].id"));
        assertTrue(ig.ignores("$.meta.trace.id"), "the subtree of an ignored field");
        assertFalse(ig.ignores("status"));
        assertTrue(IgnorePaths.of(List.of("$..id")).ignores("$.a[1].b.id"));
        assertTrue(IgnorePaths.of(List.of("$.a.*")).ignores("$.a.x"));
        assertTrue(IgnorePaths.of(List.of("$['odd key']")).ignores("$['odd key']"));
        assertEquals("$.items[*].id", IgnorePaths.normalize("$.items[12].id"));
    }
}

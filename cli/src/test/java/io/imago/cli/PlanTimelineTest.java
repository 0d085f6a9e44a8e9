package io.imago.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imago.engine.Plan;
import io.imago.engine.TimeSpans;
import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The timeline drawn from plans built by hand: well-formed SVG, bars to scale, the cost reaching the total, text escaped. */
class PlanTimelineTest {
    static final String TRICKY = "rows < 10 & \"quoted\" > 'single' \u0001";

    /** shop-v2 replacing shop-v1, with these steps (name, seconds) and keepOld ("0", "15m", "never"). */
    static Plan plan(String keepOld, Object... stepsAndSeconds) {
        List<Plan.StepForecast> steps = new ArrayList<>();
        List<Plan.PlannedStep> planned = new ArrayList<>();
        double toLive = 0;
        double all = 0;
        for (int i = 0; i < stepsAndSeconds.length; i += 2) {
            String name = (String) stepsAndSeconds[i];
            double s = ((Number) stepsAndSeconds[i + 1]).doubleValue();
            steps.add(new Plan.StepForecast(name, s, name.equals("SNAPSHOT") ? TRICKY : "the test's figure for " + name));
            planned.add(new Plan.PlannedStep(name, "does " + name.toLowerCase(Locale.ROOT)));
            all += s;
            if (!name.equals("RETIRE")) {
                toLive += s;
            }
        }
        double retire = all - toLive;
        double kept = keepOld.equals("never") ? 730 * 3600 : keepOld.equals("15m") ? 900 : 0;
        List<Plan.CostItem> items = List.of(
                item("shop-v2-db", "database", 1, "0.20", toLive, "shop-v2"),
                item("shop-v2-web", "instance", 2, "0.05", toLive, "shop-v2"),
                item("shop-v1-db", "database", 1, "0.20", kept + retire, "shop-v1"),
                item("shop-v1-web", "instance", 2, "0.05", kept + retire, "shop-v1"),
                // priced by the GB, not the hour: accrues from SNAPSHOT to the switch
                new Plan.CostItem("shop-v1->shop-v2", "transfer", "aws", null, 1, null, null, new BigDecimal("0.0400"), "shop-v2",
                        "from SNAPSHOT until the switch", "GB", new BigDecimal("0.02"), new BigDecimal("2"), "the test's 2 GB"));
        BigDecimal total = items.stream().map(Plan.CostItem::usd).reduce(BigDecimal.ZERO, BigDecimal::add).setScale(2, RoundingMode.UP);
        Plan.Cost cost = new Plan.Cost("USD", total, new BigDecimal("219.00"), items, "local: the test's prices",
                "shop-v2 from PROVISION until the switch", new BigDecimal("0.3"), new BigDecimal("0.3"), "local: none");
        Plan.Forecast f = new Plan.Forecast(toLive, all, steps, null, "the test's throughputs");
        return new Plan("shop-v2", "shop-v1", "local", planned, List.of(), cost, f, List.of(),
                new Plan.Rollback(keepOld, false, List.of(), "rollback within " + keepOld));
    }

    static Plan.CostItem item(String name, String kind, int count, String hourly, double seconds, String universe) {
        BigDecimal hours = BigDecimal.valueOf(seconds).divide(BigDecimal.valueOf(3600), 4, RoundingMode.HALF_UP);
        BigDecimal usd = new BigDecimal(hourly).multiply(BigDecimal.valueOf(count)).multiply(hours).setScale(4, RoundingMode.HALF_UP);
        return new Plan.CostItem(name, kind, "local", "small", count, new BigDecimal(hourly), hours, usd, universe, "during the test",
                "hour", new BigDecimal(hourly), hours, null);
    }

    static Plan upgrade(String keepOld) {
        return plan(keepOld, "PROVISION", 40.0, "PREPARE", 0.5, "SNAPSHOT", 88.0, "CATCH_UP", 89.0, "VALIDATE", 11.9,
                "SWITCHOVER", 2.4, "RETIRE", keepOld.equals("0") ? 1.5 : 0.0);
    }

    static Document parse(String xml) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    }

    static List<Element> byClass(Document d, String tag, String cls) {
        List<Element> out = new ArrayList<>();
        NodeList all = d.getElementsByTagNameNS("http://www.w3.org/2000/svg", tag);
        for (int i = 0; i < all.getLength(); i++) {
            Element e = (Element) all.item(i);
            if (e.getAttribute("class").equals(cls)) {
                out.add(e);
            }
        }
        return out;
    }

    static Element child(Element parent, String tag, String cls) {
        NodeList all = parent.getElementsByTagNameNS("http://www.w3.org/2000/svg", tag);
        for (int i = 0; i < all.getLength(); i++) {
            Element e = (Element) all.item(i);
            if (cls == null || e.getAttribute("class").equals(cls)) {
                return e;
            }
        }
        return null;
    }

    static double attr(Element e, String name) {
        return Double.parseDouble(e.getAttribute(name));
    }

    @Test
    void theSvgIsWellFormedWithOneLabelledBarPerStepInOrder() throws Exception {
        Plan p = upgrade("0");
        Document d = parse(PlanTimeline.document(List.of(p)));
        assertEquals("svg", d.getDocumentElement().getLocalName());
        List<Element> bars = byClass(d, "g", "step");
        assertEquals(p.duration().steps().size(), bars.size(), "one bar per step");
        for (int i = 0; i < bars.size(); i++) {
            Plan.StepForecast s = p.duration().steps().get(i);
            Element g = bars.get(i);
            assertEquals(s.step(), g.getAttribute("data-step"));
            assertEquals(s.step(), child(g, "text", "name").getTextContent());
            String human = TimeSpans.human(Duration.ofMillis(Math.round(s.seconds() * 1000)));
            assertEquals(human, child(g, "text", "duration").getTextContent());
            assertTrue(child(g, "title", null).getTextContent().endsWith(s.assumed().replace("\u0001", "")), "the assumption as tooltip");
        }
    }

    @Test
    void barsFollowOneAnotherWithWidthsProportionalToTheirSeconds() throws Exception {
        Plan p = upgrade("15m");
        List<Element> bars = byClass(parse(PlanTimeline.svg(List.of(p))), "g", "step");
        double perSecond = -1;
        double nextX = -1;
        for (int i = 0; i < bars.size(); i++) {
            Element rect = child(bars.get(i), "rect", "bar");
            double seconds = p.duration().steps().get(i).seconds();
            double x = attr(rect, "x");
            double w = attr(rect, "width");
            if (nextX >= 0) {
                assertEquals(nextX, x, 0.02, "step " + i + " starts where the one before ends");
            }
            nextX = x + w;
            if (seconds > 0) {
                if (perSecond < 0) {
                    perSecond = w / seconds;
                }
                assertEquals(perSecond, w / seconds, 0.01, p.duration().steps().get(i).step());
            } else {
                assertEquals(0, w, 1e-9);
            }
        }
        double snapshot = attr(child(bars.get(2), "rect", "bar"), "width");
        double prepare = attr(child(bars.get(1), "rect", "bar"), "width");
        assertEquals(88.0 / 0.5, snapshot / prepare, 0.5);
    }

    @Test
    void theCumulativeCostEndsAtThePlansTotal() throws Exception {
        for (String keep : List.of("0", "15m", "never")) {
            Plan p = upgrade(keep);
            Document d = parse(PlanTimeline.svg(List.of(p)));
            Element end = byClass(d, "circle", "cost-end").get(0);
            assertEquals(p.cost().total(), new BigDecimal(end.getAttribute("data-usd")).setScale(2, RoundingMode.UP), keep);
            assertEquals("USD " + p.cost().total().toPlainString(), byClass(d, "text", "cost-total").get(0).getTextContent());
            String[] pts = byClass(d, "polyline", "cost-line").get(0).getAttribute("points").split(" ");
            String[] last = pts[pts.length - 1].split(",");
            assertEquals(attr(end, "cx"), Double.parseDouble(last[0]), 1e-9);
            assertEquals(attr(end, "cy"), Double.parseDouble(last[1]), 1e-9);
            double top = Double.MAX_VALUE;
            double previous = Double.MAX_VALUE;
            for (String pt : pts) {
                double y = Double.parseDouble(pt.split(",")[1]);
                assertTrue(y <= previous + 1e-9, "cost only accrues: " + String.join(" ", pts));
                previous = y;
                top = Math.min(top, y);
            }
            assertEquals(top, attr(end, "cy"), 1e-9, "the curve ends at its highest");
        }
    }

    @Test
    void theCurveAccruesTheNewUniverseFromProvisionAndTheOldOneFromTheSwitch() {
        Plan p = upgrade("15m");
        double switchAt = p.duration().seconds();
        CostCurve c = CostCurve.of(p, switchAt);
        BigDecimal sum = p.cost().items().stream().map(Plan.CostItem::usd).reduce(BigDecimal.ZERO, BigDecimal::add);
        assertEquals(0, sum.compareTo(c.total()));
        assertEquals(sum.doubleValue(), c.at(c.end()), 1e-9);
        assertEquals(switchAt + 900, c.end(), 0.5, "the old universe kept 15 minutes after the switch");
        BigDecimal newOnes = p.cost().items().get(0).usd().add(p.cost().items().get(1).usd());
        double snapshotAt = 40.5; // PROVISION 40 + PREPARE 0.5: the transfer (0.04 USD) accrues from there to the switch
        double transfer = 0.04 * (switchAt / 2 - snapshotAt) / (switchAt - snapshotAt);
        assertEquals(newOnes.doubleValue() / 2 + transfer, c.at(switchAt / 2), 1e-4,
                "half the new universe's cost half way to the switch, and the transfer's share so far");
        assertEquals(newOnes.doubleValue() * snapshotAt / switchAt, c.at(snapshotAt), 1e-4, "nothing transferred before SNAPSHOT");
        assertEquals(0, c.at(0), 1e-12);
    }

    @Test
    void aLongRollbackWindowBreaksTheAxisAndAShortOneDoesNot() throws Exception {
        Document kept = parse(PlanTimeline.svg(List.of(upgrade("15m"))));
        assertEquals(1, byClass(kept, "g", "break").size());
        Element old = byClass(kept, "g", "lifetime").get(1);
        assertEquals("shop-v1", old.getAttribute("data-universe"));
        assertEquals(231.8 + 900, attr(old, "data-to"), 1e-9, "until the switch and keepOld");
        assertTrue(old.getTextContent().contains("gone at 18m52s"), old.getTextContent());

        Document atOnce = parse(PlanTimeline.svg(List.of(upgrade("0"))));
        assertTrue(byClass(atOnce, "g", "break").isEmpty());
        assertEquals(233.3, attr(byClass(atOnce, "g", "lifetime").get(1), "data-to"), 1e-9, "torn down by RETIRE");

        Document never = parse(PlanTimeline.svg(List.of(upgrade("never"))));
        assertEquals(1, byClass(never, "g", "break").size());
        assertEquals("never", byClass(never, "g", "lifetime").get(1).getAttribute("data-to"));
    }

    @Test
    void textIsEscapedAndTheOutputIsTheSameWhateverTheLocale() throws Exception {
        Plan p = upgrade("15m");
        String svg = PlanTimeline.document(List.of(p));
        assertFalse(svg.contains(TRICKY), "no raw markup characters from the plan");
        assertTrue(svg.contains("rows &lt; 10 &amp; &quot;quoted&quot; &gt; &#39;single&#39;"), svg);
        Locale before = Locale.getDefault();
        try {
            Locale.setDefault(Locale.GERMANY);
            assertEquals(svg, PlanTimeline.document(List.of(p)), "decimal points, not commas");
            assertEquals(PlanHtml.page(List.of(p)), PlanHtml.page(List.of(p)));
        } finally {
            Locale.setDefault(before);
        }
    }

    @Test
    void aNewUniverseHasOneLifetimeAndSeveralPlansStack() throws Exception {
        Plan v2 = upgrade("0");
        Plan fresh = new Plan("shop-v1", null, "local", List.of(), List.of(), v2.cost(), new Plan.Forecast(6.0, 6.0,
                List.of(new Plan.StepForecast("PROVISION", 5.0, "a"), new Plan.StepForecast("SWITCHOVER", 1.0, "b")), null, "c"),
                List.of(), null);
        Document d = parse(PlanTimeline.svg(List.of(fresh, v2)));
        assertEquals(2, byClass(d, "g", "plan").size());
        assertEquals(1 + 2, byClass(d, "g", "lifetime").size());
        assertEquals(2 + 7, byClass(d, "g", "step").size());
    }

    @Test
    void thePageIsSelfContainedWithTheDrawingAndBothTables() {
        Plan p = upgrade("15m");
        String html = PlanHtml.page(List.of(p));
        assertTrue(html.startsWith("<!DOCTYPE html>"));
        assertTrue(html.contains("<h1>imago plan: shop-v2 replaces shop-v1</h1>"), html);
        assertTrue(html.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        for (String outside : List.of("<script", "<link", " src=", " href=", "url(", "@import")) {
            assertFalse(html.contains(outside), "nothing fetched: " + outside);
        }
        Map<String, Integer> rows = new LinkedHashMap<>();
        for (String table : List.of("steps", "cost")) {
            String body = html.substring(html.indexOf("<table class=\"" + table + "\">"));
            body = body.substring(body.indexOf("<tbody>"), body.indexOf("</tbody>"));
            rows.put(table, body.split("<tr>", -1).length - 1);
        }
        assertEquals(Map.of("steps", 7, "cost", 5), rows);
        assertTrue(html.contains("<td class=\"num\">" + p.cost().total().toPlainString() + "</td>"), "the total");
        assertFalse(html.contains(TRICKY));
        assertTrue(html.contains("rows &lt; 10 &amp;"));
    }
}

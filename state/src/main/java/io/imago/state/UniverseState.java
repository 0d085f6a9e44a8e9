package io.imago.state;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * What Imago knows of one universe: what it rented, its phase and its step journal. Immutable; the
 * {@code with...} methods return changed copies, which the engine saves after each step.
 *
 * @param blueprint the absolute path of the blueprint that declared it
 * @param facts small non-secret values steps hand to later steps and to {@code status}
 *     (slot name, measured pause, rejection reason...)
 */
public record UniverseState(
        String name,
        Phase phase,
        String provider,
        String blueprint,
        String replaces,
        String ingress,
        List<ResourceRecord> resources,
        List<JournalEntry> journal,
        Map<String, String> facts,
        Instant created,
        Instant updated) {

    public UniverseState {
        resources = List.copyOf(resources);
        journal = List.copyOf(journal);
        facts = Map.copyOf(facts);
    }

    public static UniverseState create(String name, String provider, String blueprint, String replaces, String ingress) {
        Instant now = Instant.now();
        return new UniverseState(name, Phase.BUILDING, provider, blueprint, replaces, ingress,
                List.of(), List.of(), Map.of(), now, now);
    }

    public UniverseState withPhase(Phase p) {
        return new UniverseState(name, p, provider, blueprint, replaces, ingress, resources, journal, facts, created, Instant.now());
    }

    /** Adds the resource, replacing one of the same kind and id. */
    public UniverseState withResource(ResourceRecord r) {
        List<ResourceRecord> rs = new ArrayList<>(resources);
        rs.removeIf(x -> x.kind().equals(r.kind()) && x.id().equals(r.id()));
        rs.add(r);
        return new UniverseState(name, phase, provider, blueprint, replaces, ingress, rs, journal, facts, created, Instant.now());
    }

    public UniverseState withoutResources(Predicate<ResourceRecord> which) {
        List<ResourceRecord> rs = new ArrayList<>(resources);
        rs.removeIf(which);
        return new UniverseState(name, phase, provider, blueprint, replaces, ingress, rs, journal, facts, created, Instant.now());
    }

    public UniverseState withJournal(String step, JournalEntry.Status status, String detail) {
        List<JournalEntry> j = new ArrayList<>(journal);
        j.add(new JournalEntry(step, status, Instant.now(), detail));
        return new UniverseState(name, phase, provider, blueprint, replaces, ingress, resources, j, facts, created, Instant.now());
    }

    public UniverseState withFact(String key, String value) {
        Map<String, String> f = new LinkedHashMap<>(facts);
        if (value == null) {
            f.remove(key);
        } else {
            f.put(key, value);
        }
        return new UniverseState(name, phase, provider, blueprint, replaces, ingress, resources, journal, f, created, Instant.now());
    }

    public List<ResourceRecord> resources(String kind) {
        return resources.stream().filter(r -> r.kind().equals(kind)).toList();
    }

    public Optional<ResourceRecord> resource(String kind) {
        return resources.stream().filter(r -> r.kind().equals(kind)).findFirst();
    }

    /** True when the journal's last word on the step is that it finished. */
    public boolean stepDone(String step) {
        return lastEntry(step).map(e -> e.status() == JournalEntry.Status.DONE).orElse(false);
    }

    public Optional<JournalEntry> lastEntry(String step) {
        for (int i = journal.size() - 1; i >= 0; i--) {
            if (journal.get(i).step().equals(step)) {
                return Optional.of(journal.get(i));
            }
        }
        return Optional.empty();
    }

    public String fact(String key) {
        return facts.get(key);
    }
}

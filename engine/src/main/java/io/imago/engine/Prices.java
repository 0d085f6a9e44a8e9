package io.imago.engine;

import io.imago.providers.spi.PriceList;
import io.imago.providers.spi.PricesUnavailableException;
import io.imago.providers.spi.ProviderException;
import java.math.BigDecimal;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The providers' price lists as the cost estimate asks them: a price a list does not have is an error naming the
 * resource (exit 2), never a zero; prices that could not be had at all fail the plan (exit 1). Remembers which lists
 * were asked, for the estimate's {@code source}.
 */
final class Prices {
    private final Function<String, PriceList> lists;
    private final Map<String, String> sources = new TreeMap<>();

    Prices(Function<String, PriceList> lists) {
        this.lists = lists;
    }

    /** USD per hour of one resource. */
    BigDecimal hourly(String provider, String kind, String size, String name) {
        String what = kind + " " + name + (size == null ? "" : " (" + size + ")") + " on the " + provider + " provider";
        return required(provider, what, l -> l.hourlyUsd(kind, size));
    }

    /** USD per GB-month of a database's storage or an instance's disk. */
    BigDecimal storage(String provider, String kind, String name) {
        return required(provider, "the storage of " + name + " on the " + provider + " provider", l -> l.storageUsdPerGbMonth(kind));
    }

    /** GB of disk one instance of that size gets. */
    int instanceDiskGb(String provider, String size, String name) {
        Integer gb = ask(provider, "the disk of " + name + " on the " + provider + " provider", l -> l.instanceDiskGb(size));
        if (gb == null) {
            throw EngineException.badInput("no disk size for " + name + " (" + size + ") on the " + provider
                    + " provider: its price list cannot say, so its storage cannot be priced; nothing was rented");
        }
        return gb;
    }

    /** USD per GB that {@code provider} charges for data leaving ({@code outbound}) or reaching its universe. */
    BigDecimal transfer(String provider, boolean outbound, String otherProvider, String otherRegion, String name) {
        return required(provider, "data moved " + (outbound ? "out of " : "into ") + name + " on the " + provider + " provider",
                l -> l.transferUsdPerGb(outbound, otherProvider, otherRegion));
    }

    String region(String provider) {
        return ask(provider, "the region of the " + provider + " provider", PriceList::region);
    }

    String describe(String provider, String kind, String size) {
        return ask(provider, kind + " on the " + provider + " provider", l -> l.describe(kind, size));
    }

    /** What the providers say of their snapshots, each once. */
    String snapshots(String provider, String oldProvider) {
        Map<String, String> said = new TreeMap<>();
        for (String p : oldProvider == null || oldProvider.equals(provider) ? new String[] {provider} : new String[] {provider, oldProvider}) {
            String s = ask(p, "snapshots on the " + p + " provider", PriceList::snapshots);
            said.put(p, p + ": " + (s != null ? s : "its price list does not say whether it takes any"));
        }
        return String.join("; ", said.values());
    }

    String sources() {
        return String.join("; ", sources.values());
    }

    private BigDecimal required(String provider, String what, Function<PriceList, BigDecimal> q) {
        BigDecimal p = ask(provider, what, q);
        if (p == null) {
            throw EngineException.badInput("no price for " + what + ": its price list has none; nothing was rented");
        }
        return p;
    }

    private <T> T ask(String provider, String what, Function<PriceList, T> q) {
        PriceList list = lists.apply(provider);
        if (list == null) {
            throw EngineException.badInput("no price for " + what + ": the provider has no price list; nothing was rented");
        }
        return guarded(what, () -> {
            T answer = q.apply(list);
            sources.putIfAbsent(provider, provider + ": " + list.source());
            return answer;
        });
    }

    private static <T> T guarded(String what, Supplier<T> s) {
        try {
            return s.get();
        } catch (PricesUnavailableException e) {
            throw EngineException.failed("no price for " + what + ": " + e.getMessage() + "; nothing was rented");
        } catch (ProviderException e) {
            throw EngineException.badInput("no price for " + what + ": " + e.getMessage() + "; nothing was rented");
        }
    }
}

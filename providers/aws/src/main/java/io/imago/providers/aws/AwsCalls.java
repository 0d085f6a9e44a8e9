package io.imago.providers.aws;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.imago.providers.spi.ProviderException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * How the provider calls AWS, on top of the SDK's own retries (which retry each single HTTP call):
 * <ul>
 *   <li>{@link #call}: an operation of one or more calls, idempotent as a whole, retried by Resilience4j with
 *       exponential backoff and jitter when what failed is transient (throttling, 5xx, no answer) and the SDK's retries
 *       are spent; each attempt goes through the service's circuit breaker, which stops calling a service that keeps
 *       failing instead of piling up minutes of retries per operation.</li>
 *   <li>{@link #await}: a bounded wait for a state (an RDS instance available, a Route 53 change in sync), polling
 *       through {@link #call}; past its limit it fails naming what it waited for and what it saw last.</li>
 * </ul>
 * Failures reach the engine as {@link ProviderException}s naming the operation and AWS's own code and message.
 */
final class AwsCalls {
    /** Transient codes the SDK may leave to the caller (eventual consistency right after a create, a dependency busy). */
    private static final Set<String> TRANSIENT_CODES = Set.of("RequestLimitExceeded", "Throttling", "ThrottlingException",
            "TooManyRequestsException", "PriorRequestNotComplete", "InternalError", "InternalFailure", "ServiceUnavailable",
            "Unavailable", "RequestTimeout", "RequestTimeoutException", "ResourceInUse.Transient");

    /** How long a service's breaker, once open, refuses calls before it lets a few through to try. */
    static final Duration OPEN_FOR = Duration.ofSeconds(30);

    /** Backoff of {@link #call}'s retries and polling pace of {@link #await}. */
    record Pace(int attempts, Duration firstBackoff, Duration maxBackoff, Duration firstPoll, Duration maxPoll) {
        static final Pace DEFAULT = new Pace(4, Duration.ofSeconds(1), Duration.ofSeconds(20), Duration.ofSeconds(2), Duration.ofSeconds(15));
    }

    private final Pace pace;
    private final Retry retry;
    private final Map<String, CircuitBreaker> breakers = new ConcurrentHashMap<>();
    private final CircuitBreakerConfig breakerConfig;

    AwsCalls() {
        this(Pace.DEFAULT);
    }

    AwsCalls(Pace pace) {
        this.pace = pace;
        this.retry = Retry.of("aws", RetryConfig.custom()
                .maxAttempts(pace.attempts())
                .intervalFunction(IntervalFunction.ofExponentialRandomBackoff(pace.firstBackoff(), 2.0, 0.5, pace.maxBackoff()))
                .retryOnException(AwsCalls::transientFailure)
                .build());
        this.breakerConfig = CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(20)
                .minimumNumberOfCalls(10)
                .failureRateThreshold(50)
                .waitDurationInOpenState(OPEN_FOR)
                .permittedNumberOfCallsInHalfOpenState(2)
                // "not found" and other answers about the request are the service working, not failing.
                .recordException(AwsCalls::transientFailure)
                .build();
    }

    /** Whether a failure may go away by itself: throttling, a 5xx, no answer at all. */
    static boolean transientFailure(Throwable t) {
        if (t instanceof CallNotPermittedException || t instanceof AbortedException) {
            return false;
        }
        if (t instanceof AwsServiceException e) {
            return e.isThrottlingException() || e.statusCode() >= 500 || TRANSIENT_CODES.contains(code(e));
        }
        return t instanceof SdkClientException || t instanceof ApiCallTimeoutException;
    }

    static String code(AwsServiceException e) {
        return e.awsErrorDetails() == null ? "" : String.valueOf(e.awsErrorDetails().errorCode());
    }

    /** Whether {@code t} is AWS answering {@code code} (or one of several codes). */
    static boolean is(Throwable t, String... codes) {
        if (t instanceof AwsServiceException e) {
            String c = code(e);
            for (String code : codes) {
                if (code.equals(c)) {
                    return true;
                }
            }
        }
        return false;
    }

    CircuitBreaker breaker(String service) {
        return breakers.computeIfAbsent(service, s -> CircuitBreaker.of(s, breakerConfig));
    }

    /**
     * Runs an idempotent operation against one service.
     *
     * @param service the breaker it counts against: {@code EC2}, {@code ELBv2}, {@code RDS}, {@code Route 53},
     *     {@code Secrets Manager}, {@code Tagging}
     * @param what the operation, for messages: "RunInstances for shop-v2-web-0"
     */
    <T> T call(String service, String what, Supplier<T> op) {
        Supplier<T> guarded = CircuitBreaker.decorateSupplier(breaker(service), op);
        try {
            return Retry.decorateSupplier(retry, guarded).get();
        } catch (CallNotPermittedException e) {
            throw new ProviderException("the AWS " + service + " API failed most of the last calls, so imago stops calling it for "
                    + human(OPEN_FOR) + "; " + what + " was not attempted: re-run the command once " + service + " answers again", e);
        } catch (SdkException e) {
            throw failure(service, what, e);
        }
    }

    void run(String service, String what, Runnable op) {
        call(service, what, () -> {
            op.run();
            return null;
        });
    }

    static ProviderException failure(String service, String what, SdkException e) {
        if (e instanceof AwsServiceException a && a.awsErrorDetails() != null) {
            String message = a.awsErrorDetails().errorMessage();
            String code = a.awsErrorDetails().errorCode();
            // A bare 5xx (an outage, a proxy) carries neither: say what the answer was rather than "null".
            String said = message != null ? message + " (" + (code != null ? code + ", " : "") + "HTTP " + a.statusCode() + ")"
                    : "the service answered HTTP " + a.statusCode() + (code != null ? " " + code : "");
            return new ProviderException(service + " " + what + " failed: " + said
                    + (transientFailure(e) ? " (still failing after retries)" : ""), e);
        }
        return new ProviderException(service + " " + what + " failed: " + e.getMessage()
                + (transientFailure(e) ? " (still failing after retries)" : ""), e);
    }

    /** What one poll saw: done (with its value) or not yet, and the state seen, for the timeout message. */
    record Seen<T>(T value, String state) {
        static <T> Seen<T> done(T value) {
            return new Seen<>(value, "done");
        }

        static <T> Seen<T> notYet(String state) {
            return new Seen<>(null, state);
        }
    }

    /**
     * Polls until {@code poll} is done, at a pace that starts at {@link Pace#firstPoll} and slows to
     * {@link Pace#maxPoll}, for at most {@code max}.
     *
     * @param what what is waited for, in words: "RDS instance imago-shop-v2-db to become available"
     * @throws ProviderException naming {@code what}, {@code max} and the last state seen, once {@code max} has passed
     */
    <T> T await(String service, String what, Duration max, Supplier<Seen<T>> poll) {
        long start = System.nanoTime();
        long deadline = start + max.toNanos();
        Duration every = pace.firstPoll();
        String last = "nothing yet";
        while (true) {
            Seen<T> seen = call(service, "waiting for " + what, poll);
            if (seen.value() != null) {
                return seen.value();
            }
            last = seen.state();
            long now = System.nanoTime();
            if (now >= deadline) {
                throw new ProviderException("timed out after " + human(max) + " waiting for " + what + " (last seen: " + last
                        + "); nothing was undone: re-run the command to wait again");
            }
            sleep(Duration.ofNanos(Math.min(every.toNanos(), deadline - now)));
            every = every.multipliedBy(3).dividedBy(2);
            if (every.compareTo(pace.maxPoll()) > 0) {
                every = pace.maxPoll();
            }
        }
    }

    static String human(Duration d) {
        if (d.toSeconds() < 120) {
            return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
        }
        return d.toMinutes() + " min";
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(Math.max(1, d.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProviderException("interrupted while waiting for AWS");
        }
    }
}

package io.imago.providers.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imago.providers.spi.ProviderException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;

/** Which failures are retried, how often, and what a bounded wait says when it runs out. */
class AwsCallsTest {
    private final AwsCalls calls = new AwsCalls(TestAws.FAST);

    private static AwsServiceException aws(int status, String code) {
        return (AwsServiceException) AwsServiceException.builder().statusCode(status)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage(code + " happened").serviceName("EC2").build()).build();
    }

    @Test
    void throttlingServerErrorsAndSilenceAreTransientAnswersAboutTheRequestAreNot() {
        assertTrue(AwsCalls.transientFailure(aws(503, "Unavailable")));
        assertTrue(AwsCalls.transientFailure(aws(400, "Throttling")));
        assertTrue(AwsCalls.transientFailure(aws(503, "RequestLimitExceeded")));
        assertTrue(AwsCalls.transientFailure(SdkClientException.create("connection reset")));
        assertFalse(AwsCalls.transientFailure(aws(400, "InvalidSubnetID.NotFound")));
        assertFalse(AwsCalls.transientFailure(aws(403, "UnauthorizedOperation")));
        assertFalse(AwsCalls.transientFailure(new IllegalStateException()));
    }

    @Test
    void aTransientFailureIsRetriedAndAPermanentOneIsNot() {
        AtomicInteger attempts = new AtomicInteger();
        assertEquals("ok", calls.call("EC2", "DescribeThings", () -> {
            if (attempts.incrementAndGet() < 3) {
                throw aws(503, "Unavailable");
            }
            return "ok";
        }));
        assertEquals(3, attempts.get());

        attempts.set(0);
        ProviderException e = assertThrows(ProviderException.class, () -> calls.call("EC2", "DescribeThings", () -> {
            attempts.incrementAndGet();
            throw aws(400, "InvalidParameterValue");
        }));
        assertEquals(1, attempts.get());
        assertEquals("EC2 DescribeThings failed: InvalidParameterValue happened (InvalidParameterValue, HTTP 400)", e.getMessage());

        attempts.set(0);
        e = assertThrows(ProviderException.class, () -> calls.call("EC2", "DescribeThings", () -> {
            attempts.incrementAndGet();
            throw aws(500, "InternalError");
        }));
        assertEquals(TestAws.FAST.attempts(), attempts.get(), "gives up after its attempts");
        assertTrue(e.getMessage().contains("(InternalError, HTTP 500)"), e.getMessage());
    }

    @Test
    void aWaitIsBoundedAndSaysWhatItWaitedForAndWhatItSawLast() {
        AtomicInteger polls = new AtomicInteger();
        long t0 = System.nanoTime();
        ProviderException e = assertThrows(ProviderException.class, () -> calls.await("RDS", "RDS instance imago-x-db to become available",
                Duration.ofMillis(300), () -> {
                    polls.incrementAndGet();
                    return AwsCalls.Seen.notYet("creating");
                }));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals("timed out after 300 ms waiting for RDS instance imago-x-db to become available (last seen: creating);"
                + " nothing was undone: re-run the command to wait again", e.getMessage());
        assertTrue(ms >= 300 && ms < 2000, ms + " ms");
        assertTrue(polls.get() >= 3, polls + " polls");
        assertEquals("done", calls.await("RDS", "x", Duration.ofSeconds(1), () -> AwsCalls.Seen.done("done")));
    }
}

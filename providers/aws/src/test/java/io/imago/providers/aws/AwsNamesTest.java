package io.imago.providers.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Names derived from universes fit AWS's rules, and two universes never share one. */
class AwsNamesTest {
    private static final String LONGEST = "a234567890123456789012345678901234567890"; // 40: the blueprint's limit

    @Test
    void shortNamesAreKeptAsTheyAre() {
        assertEquals("imago-shop-v2", AwsNames.targetGroup("shop-v2"));
        assertEquals("imago-shop", AwsNames.loadBalancer("shop"));
        assertEquals("imago-shop-v2-db", AwsNames.dbInstance("shop-v2"));
        assertEquals("imago-shop-v2-postgres15", AwsNames.dbParameterGroup("shop-v2", "postgres15"));
        assertEquals("imago-shop-v2-postgres9-6", AwsNames.dbParameterGroup("shop-v2", "postgres9.6"));
        assertEquals("imago/shop-v2/database", AwsNames.databaseSecret("shop-v2"));
        assertEquals("imago/shop-v2/env/shop-v2-web-0", AwsNames.envSecret("shop-v2", "shop-v2-web-0"));
    }

    @Test
    void longNamesAreShortenedWithAHashOfTheWholeName() {
        String a = AwsNames.targetGroup(LONGEST);
        String b = AwsNames.targetGroup(LONGEST.substring(0, 39) + "1");
        assertEquals(32, a.length());
        assertNotEquals(a, b, "same prefix, different universes");
        assertTrue(a.matches("[a-z0-9-]+") && !a.endsWith("-") && !a.contains("--"), a);
        assertTrue(AwsNames.dbInstance(LONGEST).length() <= 63);
    }

    @Test
    void rdsNamesHaveNoDoubleHyphen() {
        String id = AwsNames.dbInstance("shop--v2");
        assertFalse(id.contains("--"), id);
        assertNotEquals(AwsNames.dbInstance("shop-v2"), id, "not the same as shop-v2's");
    }

    @Test
    void clientTokensAreStablePerLaunchAndFitEc2sLimit() {
        String t0 = AwsNames.clientToken("shop-v2-web-0", 0);
        assertEquals(t0, AwsNames.clientToken("shop-v2-web-0", 0));
        assertNotEquals(t0, AwsNames.clientToken("shop-v2-web-0", 1));
        assertNotEquals(t0, AwsNames.clientToken("shop-v2-web-1", 0));
        assertTrue(AwsNames.clientToken(LONGEST + "-web-12", 9).length() <= 64);
    }

    @Test
    void parameterGroupFamiliesFollowTheMajorVersion() {
        assertEquals(List.of("postgres15", "postgres15", "postgres16", "postgres9.6", "postgres16"),
                List.of(RdsParameterGroups.family("15"), RdsParameterGroups.family("15.4"), RdsParameterGroups.family("16"),
                        RdsParameterGroups.family("9.6.24"), RdsParameterGroups.family(null)));
    }

    @Test
    void settingsAreReadFromTheBlueprintsFlattenedFields() {
        AwsSettings s = AwsSettings.of(Map.of("region", "eu-west-1", "profile", "ops", "network.vpc", "vpc-1",
                "network.subnets", "subnet-a, subnet-b", "network.securityGroups", "sg-1"));
        assertEquals(new AwsSettings("eu-west-1", "ops", "vpc-1", List.of("subnet-a", "subnet-b"), List.of("sg-1"), null), s);
        assertEquals(new AwsSettings(null, null, null, List.of(), List.of(), null), AwsSettings.of(Map.of()));
        assertEquals("shop-app", AwsSettings.of(Map.of("instanceProfile", "shop-app")).instanceProfile());
    }
}

package io.pooler.server.dns;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * dns_zone_check_period is honoured to the tick: the fixed-rate tick finds a little less than one tick gone
 * since the last check (which was stamped when its tick ran late), and that must count as a whole period.
 */
class ZoneCheckDueTest {

    private static long millis(long ms) {
        return TimeUnit.MILLISECONDS.toNanos(ms);
    }

    @Test
    void aTickThatComesALittleEarlyAfterTheLastCheckIsDue() {
        // dns_zone_check_period = 1: checked at every tick, not every other one.
        assertTrue(DnsCache.zoneCheckDue(millis(999), Duration.ofSeconds(1)));
        assertTrue(DnsCache.zoneCheckDue(millis(1000), Duration.ofSeconds(1)));
        assertTrue(DnsCache.zoneCheckDue(millis(9_990), Duration.ofSeconds(10)));
    }

    @Test
    void aCheckIsNotRepeatedBeforeItsPeriod() {
        assertFalse(DnsCache.zoneCheckDue(millis(10), Duration.ofSeconds(1)));
        assertFalse(DnsCache.zoneCheckDue(millis(8_990), Duration.ofSeconds(10)));
    }
}

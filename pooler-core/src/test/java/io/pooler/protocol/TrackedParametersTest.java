package io.pooler.protocol;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrackedParametersTest {
    private final TrackedParameters tracked = new TrackedParameters(List.of("IntervalStyle"));

    @Test
    void namesAreCaseInsensitiveAndSpelledAsPostgresSpellsThem() {
        assertEquals("DateStyle", tracked.canonicalName("datestyle"));
        assertEquals("TimeZone", tracked.canonicalName("TIMEZONE"));
        assertEquals("IntervalStyle", tracked.canonicalName("intervalstyle"));
        assertNull(tracked.canonicalName("search_path"));
    }

    @Test
    void applySqlSetsOnlyWhatDiffers() {
        String sql = tracked.applySql(
                Map.of("TimeZone", "Europe/Paris", "DateStyle", "ISO, MDY"),
                Map.of("TimeZone", "UTC", "DateStyle", "ISO, MDY"));
        assertEquals("SET \"TimeZone\" TO E'Europe/Paris';", sql);
        assertNull(tracked.applySql(Map.of("TimeZone", "UTC"), Map.of("TimeZone", "UTC")));
    }

    @Test
    void valuesAreQuotedSafely() {
        String sql = tracked.applySql(Map.of("application_name", "o'brien\\x"), Map.of());
        assertTrue(sql.contains("E'o''brien\\\\x'"), sql);
    }
}

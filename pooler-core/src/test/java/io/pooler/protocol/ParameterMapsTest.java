package io.pooler.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pooler.testing.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ParameterMapsTest {
    private final ParameterMaps maps = new ParameterMaps();

    /** Fresh strings, as each client's startup packet decodes its own. */
    private static Map<String, String> startup(String applicationName) {
        Map<String, String> map = new LinkedHashMap<>();
        map.put(new String("client_encoding"), new String("UTF8"));
        map.put(new String("DateStyle"), new String("ISO, MDY"));
        map.put(new String("application_name"), new String(applicationName));
        return map;
    }

    /** A client without an application_name of its own, its time zone set. */
    private static Map<String, String> startupInZone(String timeZone) {
        Map<String, String> map = startup("x");
        map.remove("application_name");
        map.put(new String("TimeZone"), new String(timeZone));
        return map;
    }

    @Test
    void equalMapsAreOneInstance() {
        Map<String, String> first = maps.intern(startupInZone("UTC"));
        Map<String, String> second = maps.intern(startupInZone("UTC"));
        assertSame(first, second);
        assertEquals(startupInZone("UTC"), first);
        assertEquals(1, maps.distinctMaps());
    }

    @Test
    void anApplicationNameKeepsTheOtherValuesShared() {
        Map<String, String> a = maps.intern(startup("odoo-100001"));
        Map<String, String> b = maps.intern(startup("odoo-100002"));
        Map<String, String> a2 = maps.intern(startup("odoo-100001"));
        assertEquals(startup("odoo-100001"), a);
        assertEquals(a, startup("odoo-100001"));
        assertEquals(startup("odoo-100001").hashCode(), a.hashCode());
        assertEquals(a, a2);
        assertNotEquals(a, b);
        assertEquals("odoo-100002", b.get("application_name"));
        assertEquals(3, b.size());
        assertEquals(startup("odoo-100002").entrySet(), b.entrySet());
        assertEquals(1, maps.distinctMaps(), "the values other than the name are one map");
    }

    @Test
    void sameValuesIsToldByIdentityAndTheApplicationName() {
        Map<String, String> a = maps.intern(startup("odoo-100001"));
        Map<String, String> sameName = maps.intern(startup("odoo-100001")); // an equal name in another String
        Map<String, String> otherName = maps.intern(startup("odoo-100002"));
        Map<String, String> otherZone = maps.with(a, "TimeZone", "Asia/Tokyo");

        assertNotSame(a, sameName);
        assertTrue(ParameterMaps.sameValues(a, sameName));
        assertTrue(ParameterMaps.sameValues(a, a));
        assertFalse(ParameterMaps.sameValues(a, otherName));
        assertFalse(ParameterMaps.sameValues(a, otherZone));
        Map<String, String> withoutName = maps.intern(startupInZone("UTC"));
        assertTrue(ParameterMaps.sameValues(withoutName, maps.intern(startupInZone("UTC"))));
        assertFalse(ParameterMaps.sameValues(withoutName, maps.intern(startupInZone("Europe/Paris"))));
    }

    @Test
    void distinctMapsShareTheirNamesAndValues() {
        Map<String, String> a = maps.intern(startupInZone("UTC"));
        Map<String, String> b = maps.intern(startupInZone("Europe/Paris"));
        assertNotSame(a, b);
        assertSame(a.get("client_encoding"), b.get("client_encoding"));
        assertSame(a.get("DateStyle"), b.get("DateStyle"));
        assertSame(keyOf(a, "DateStyle"), keyOf(b, "DateStyle"));
        // three names, UTF8, "ISO, MDY" and the two zones
        assertEquals(7, maps.distinctStrings());
    }

    @Test
    void internedMapsCannotBeChanged() {
        Map<String, String> map = maps.intern(startup("psql"));
        assertThrows(UnsupportedOperationException.class, () -> map.put("TimeZone", "UTC"));
    }

    @Test
    void withCopiesOnWriteAndInterns() {
        Map<String, String> original = maps.intern(startup("psql"));
        assertSame(original, maps.with(original, "DateStyle", "ISO, MDY"), "an unchanged value keeps the map");
        Map<String, String> changed = maps.with(original, "TimeZone", "UTC");
        assertEquals("UTC", changed.get("TimeZone"));
        assertEquals(null, original.get("TimeZone"), "the shared map is not touched");
        Map<String, String> expected = startup("psql");
        expected.put("TimeZone", "UTC");
        assertEquals(expected, changed);
        Map<String, String> inZone = maps.intern(startupInZone("UTC"));
        assertSame(inZone, maps.with(inZone, "TimeZone", "UTC"));
        assertSame(maps.intern(startupInZone("Asia/Tokyo")), maps.with(inZone, "TimeZone", "Asia/Tokyo"));
    }

    @Test
    void emptyMapIsNotTabled() {
        assertEquals(Map.of(), maps.intern(Map.of()));
        assertEquals(0, maps.distinctMaps());
    }

    @Test
    void mapsNoClientHoldsAreForgotten() {
        List<Map<String, String>> held = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            held.add(maps.intern(startupInZone("Etc/Zone-" + (100_000 + i))));
        }
        Map<String, String> kept = held.get(0);
        assertEquals(1000, maps.distinctMaps());
        held.clear();
        Await.until(Duration.ofSeconds(30), () -> {
            System.gc();
            return maps.distinctMaps() == 1 && maps.distinctStrings() == 6; // three names, three values
        }, () -> "maps left: " + maps.distinctMaps() + ", strings left: " + maps.distinctStrings());
        assertSame(kept, maps.intern(startupInZone("Etc/Zone-100000")), "a map still held is still the one handed out");
    }

    private static String keyOf(Map<String, String> map, String name) {
        return map.keySet().stream().filter(name::equals).findFirst().orElseThrow();
    }
}

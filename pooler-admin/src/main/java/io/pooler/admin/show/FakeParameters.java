package io.pooler.admin.show;

import io.pooler.admin.wire.Column;
import io.pooler.admin.wire.ResultSet;
import io.pooler.admin.wire.Response;
import io.pooler.protocol.ErrorResponse;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The session settings drivers probe or set on connect. The console answers SHOW with a fixed value and
 * SET with a notice that it was ignored, as PgBouncer does, so such drivers can use the console.
 */
public final class FakeParameters {
    private static final Map<String, String> VALUES = new LinkedHashMap<>();

    static {
        VALUES.put("client_encoding", "UTF-8");
        VALUES.put("default_transaction_isolation", "read committed");
        VALUES.put("standard_conforming_strings", "on");
        VALUES.put("datestyle", "ISO");
        VALUES.put("timezone", "GMT");
        VALUES.put("extra_float_digits", "2");
    }

    private FakeParameters() {
    }

    /** SHOW name: its value as a one-column result named as asked for in PgBouncer's spelling; empty if not one of these. */
    public static Optional<Response> show(String name) {
        String key = name.toLowerCase(Locale.ROOT);
        String value = VALUES.get(key);
        if (value == null) {
            return Optional.empty();
        }
        return Optional.of(Response.rows(ResultSet.of(Column.text(key)).row(value)));
    }

    /** SET name = value: accepted and ignored; empty if not one of these. */
    public static Optional<Response> set(String name) {
        if (!VALUES.containsKey(name.toLowerCase(Locale.ROOT))) {
            return Optional.empty();
        }
        return Optional.of(Response.noticeThenDone(ErrorResponse.of("NOTICE", "00000", "SET ignored"), "SET"));
    }
}

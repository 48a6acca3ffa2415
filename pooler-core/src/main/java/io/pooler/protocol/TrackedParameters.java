package io.pooler.protocol;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Which session parameters the pooler keeps per client and carries from one server to the next:
 * those PostgreSQL reports with ParameterStatus and a client may set at startup, plus
 * {@code track_extra_parameters}. Names are matched case-insensitively (startup packets say
 * "datestyle", ParameterStatus says "DateStyle") and kept in PostgreSQL's own spelling.
 */
public final class TrackedParameters {
    private static final List<String> ALWAYS = List.of(
            "client_encoding", "DateStyle", "TimeZone", "standard_conforming_strings", "application_name");

    /** lower-case name to PostgreSQL's spelling */
    private final Map<String, String> canonical = new LinkedHashMap<>();

    public TrackedParameters(Collection<String> extra) {
        ALWAYS.forEach(this::add);
        extra.forEach(this::add);
    }

    private void add(String name) {
        String spelled = switch (name.toLowerCase(Locale.ROOT)) {
            case "datestyle" -> "DateStyle";
            case "timezone" -> "TimeZone";
            case "intervalstyle" -> "IntervalStyle";
            default -> name;
        };
        canonical.putIfAbsent(name.toLowerCase(Locale.ROOT), spelled);
    }

    /** PostgreSQL's spelling of a tracked parameter, or null when it is not tracked. */
    public String canonicalName(String name) {
        return canonical.get(name.toLowerCase(Locale.ROOT));
    }

    public boolean isTracked(String name) {
        return canonicalName(name) != null;
    }

    public Collection<String> names() {
        return canonical.values();
    }

    /**
     * The SQL that makes a server's session match the wanted values, or null when they already match.
     * Values are quoted as string literals, so any value a client could send is safe here.
     */
    public String applySql(Map<String, String> wanted, Map<String, String> current) {
        List<String> sets = new ArrayList<>();
        for (String name : canonical.values()) {
            String value = wanted.get(name);
            if (value != null && !value.equals(current.get(name))) {
                sets.add("SET " + quoteIdentifier(name) + " TO " + quoteLiteral(value));
            }
        }
        return sets.isEmpty() ? null : String.join(";", sets) + ";";
    }

    static String quoteIdentifier(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    /** An escape-string literal, correct whatever standard_conforming_strings is on the server. */
    static String quoteLiteral(String value) {
        return "E'" + value.replace("\\", "\\\\").replace("'", "''") + "'";
    }
}

package io.pooler.server.client;

import io.pooler.protocol.ParameterMaps;
import io.pooler.protocol.ProtocolException;
import io.pooler.protocol.SqlState;
import io.pooler.protocol.StartupPacket;
import io.pooler.protocol.TrackedParameters;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What a client's StartupMessage asks for, checked as PgBouncer checks it: only parameters the
 * pooler can carry from server to server are allowed (the tracked ones, also inside
 * {@code options=-c name=value}), plus whatever {@code ignore_startup_parameters} lists. The
 * parameters, user and database are interned: clients that send the same values share them.
 */
record StartupRequest(String user, String database, Map<String, String> parameters, Replication replication) {

    /**
     * The startup's {@code replication} parameter, as PgBouncer 1.23+ reads it: {@code database} is a
     * logical replication connection, a true boolean a physical one. The {@code options} of a replication
     * client are passed to PostgreSQL as they are (its server is its own), e.g. the
     * {@code -c extra_float_digits=3} a subscription sends.
     */
    record Replication(ReplicationMode mode, String options) {
    }

    static StartupRequest from(StartupPacket packet, TrackedParameters tracked, Set<String> ignored, ParameterMaps maps) {
        Map<String, String> raw = packet.parameters();
        Replication replication = null;
        for (Map.Entry<String, String> e : raw.entrySet()) {
            if (e.getKey().equals("replication")) {
                ReplicationMode mode = ReplicationMode.parse(e.getValue());
                if (mode != ReplicationMode.NONE) {
                    replication = new Replication(mode, raw.get("options"));
                }
            }
        }
        String user = raw.get("user");
        if (user == null || user.isEmpty()) {
            throw new ProtocolException(SqlState.INVALID_AUTHORIZATION, "no PostgreSQL user name specified in startup packet");
        }
        String database = raw.getOrDefault("database", "");
        if (database.isEmpty()) {
            database = user;
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : raw.entrySet()) {
            String name = e.getKey();
            String lower = name.toLowerCase(Locale.ROOT);
            if (lower.equals("user") || lower.equals("database")) {
                continue;
            }
            if (lower.equals("options") && replication != null && name.equals("options")) {
                continue; // passed on unread, in Replication
            } else if (lower.equals("options")) {
                readOptions(e.getValue(), tracked, ignored, values);
            } else if (name.equals("replication")) {
                continue; // read above
            } else if (tracked.isTracked(name)) {
                values.put(tracked.canonicalName(name), e.getValue());
            } else if (!ignored.contains(lower) && !lower.startsWith("_pq_.")) {
                throw new ProtocolException("unsupported startup parameter: " + name);
            }
        }
        // The user and database names are interned too: thousands of clients of one pool share them.
        return new StartupRequest(maps.intern(user), maps.intern(database), maps.intern(values), replication);
    }

    private static final String ONLY_C_OPTIONS =
            "unsupported options startup parameter: only '-c config=val' and '--config=val' are allowed";

    /**
     * {@code -c name=value} and {@code --name=value}, as PgBouncer's {@code set_startup_options} reads
     * them: any other word, or a setting without {@code =}, refuses the login with PgBouncer's message,
     * even when {@code options} is in ignore_startup_parameters (that only lets untracked settings through).
     */
    private static void readOptions(String options, TrackedParameters tracked, Set<String> ignored, Map<String, String> values) {
        List<String> words = splitOptions(options);
        for (int i = 0; i < words.size(); i++) {
            String word = words.get(i);
            String setting;
            if (word.equals("-c") && i + 1 < words.size()) {
                setting = words.get(++i);
            } else if (word.startsWith("-c") && word.length() > 2) {
                setting = word.substring(2);
            } else if (word.startsWith("--")) {
                setting = word.substring(2);
            } else {
                throw new ProtocolException(ONLY_C_OPTIONS);
            }
            int eq = setting.indexOf('=');
            if (eq <= 0) {
                throw new ProtocolException(ONLY_C_OPTIONS);
            }
            String name = setting.substring(0, eq).replace('-', '_');
            if (tracked.isTracked(name)) {
                values.put(tracked.canonicalName(name), setting.substring(eq + 1));
            } else if (!ignored.contains("options") && !ignored.contains(name.toLowerCase(Locale.ROOT))) {
                throw new ProtocolException("unsupported startup parameter in options: " + name);
            }
        }
    }

    /** Words separated by spaces; a backslash keeps the next character, as libpq escapes them. */
    private static List<String> splitOptions(String options) {
        List<String> words = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (int i = 0; i < options.length(); i++) {
            char c = options.charAt(i);
            if (c == '\\' && i + 1 < options.length()) {
                current.append(options.charAt(++i));
            } else if (Character.isWhitespace(c)) {
                if (current.length() > 0) {
                    words.add(current.toString());
                    current.setLength(0);
                }
            } else {
                current.append(c);
            }
        }
        if (current.length() > 0) {
            words.add(current.toString());
        }
        return words;
    }
}

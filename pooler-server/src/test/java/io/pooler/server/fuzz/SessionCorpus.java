package io.pooler.server.fuzz;

import io.pooler.server.it.Wire;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The real sessions {@link RecordSessions} captured from psql and PgJDBC: each one's startup packet,
 * the frontend messages it sent after logging in, and the backend messages it received.
 */
final class SessionCorpus {
    static final List<String> NAMES = List.of("psql-simple", "psql-transaction", "psql-copy", "pgjdbc-extended",
            "pgjdbc-simple");

    record Session(String name, byte[] startup, List<byte[]> frontend, List<byte[]> backend) {
    }

    private final List<Session> sessions;

    private SessionCorpus(List<Session> sessions) {
        this.sessions = List.copyOf(sessions);
    }

    static SessionCorpus load() {
        List<Session> sessions = new ArrayList<>();
        for (String name : NAMES) {
            sessions.add(read(name));
        }
        return new SessionCorpus(sessions);
    }

    List<Session> sessions() {
        return sessions;
    }

    /** Every backend message of every session, for splicing real replies into hostile ones. */
    List<byte[]> allBackendMessages() {
        List<byte[]> all = new ArrayList<>();
        sessions.forEach(s -> all.addAll(s.backend()));
        return all;
    }

    private static Session read(String name) {
        String resource = "/fuzz/sessions/" + name + ".txt";
        try (InputStream in = SessionCorpus.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + resource + " (see RecordSessions)");
            }
            byte[] startup = null;
            List<byte[]> frontend = new ArrayList<>();
            List<byte[]> backend = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                byte[] bytes = Wire.hex(line.substring(2));
                switch (line.charAt(0)) {
                    case 'S' -> startup = bytes;
                    case 'F' -> frontend.add(bytes);
                    case 'B' -> backend.add(bytes);
                    default -> throw new IllegalStateException(resource + ": bad line " + line);
                }
            }
            return new Session(name, startup, frontend, backend);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

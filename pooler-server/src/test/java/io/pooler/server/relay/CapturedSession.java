package io.pooler.server.relay;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A session RecordSessions captured from a real client and a real PostgreSQL 17 (the fuzz corpus in
 * {@code src/test/resources/fuzz/sessions}): the startup packet, the frontend messages after login,
 * and the backend messages from the first ParameterStatus on. The relay tests script their PostgreSQL
 * with these bytes, so what the pooler parses is what PostgreSQL really sends.
 */
record CapturedSession(String name, byte[] startup, List<byte[]> frontend, List<byte[]> backend) {

    static CapturedSession load(String name) {
        String resource = "/fuzz/sessions/" + name + ".txt";
        try (InputStream in = CapturedSession.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + resource);
            }
            byte[] startup = null;
            List<byte[]> frontend = new ArrayList<>();
            List<byte[]> backend = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                byte[] bytes = HexFormat.of().parseHex(line.substring(2).trim());
                switch (line.charAt(0)) {
                    case 'S' -> startup = bytes;
                    case 'F' -> frontend.add(bytes);
                    case 'B' -> backend.add(bytes);
                    default -> throw new IllegalStateException(resource + ": bad line " + line);
                }
            }
            return new CapturedSession(name, startup, List.copyOf(frontend), List.copyOf(backend));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What PostgreSQL sent after AuthenticationOk: the ParameterStatus messages, BackendKeyData, ReadyForQuery. */
    List<byte[]> loginReply() {
        return backendUpTo(0);
    }

    /** Backend messages {@code from} (an index) up to and including the next ReadyForQuery. */
    List<byte[]> backendUpTo(int from) {
        List<byte[]> reply = new ArrayList<>();
        for (int i = from; i < backend.size(); i++) {
            reply.add(backend.get(i));
            if (backend.get(i)[0] == 'Z') {
                return reply;
            }
        }
        throw new IllegalStateException(name + ": no ReadyForQuery after message " + from);
    }

    /** The index of the backend message after the {@code n}th ReadyForQuery (n = 1: the one ending the login). */
    int afterReadyForQuery(int n) {
        int seen = 0;
        for (int i = 0; i < backend.size(); i++) {
            if (backend.get(i)[0] == 'Z' && ++seen == n) {
                return i + 1;
            }
        }
        throw new IllegalStateException(name + ": fewer than " + n + " ReadyForQuery messages");
    }
}

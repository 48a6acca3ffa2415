package io.pooler.server.fuzz;

import io.pooler.server.it.Wire;

import java.util.List;

/**
 * One fuzz case, fully decided by the run's seed and its number: which pooler and database it talks to,
 * in which phase its hostile input comes, the bytes, how they are split into writes, and how the client
 * ends. {@link #describe()} is the reproducer printed when it fails.
 */
record FuzzCase(long id, Phase phase, Target target, byte[] input, long planSeed,
                HostileServer.Reply serverReply, List<Integer> writeSizes, End end, List<String> mutations) {

    enum Phase {
        /** Bytes instead of, around or after the startup packet. */
        BEFORE_LOGIN,
        /**
         * A refused or malformed answer to the authentication request, made by {@link LoginAbuse} from
         * {@code planSeed} once the request is known; {@code input} (maybe empty) follows it in the same write.
         */
        DURING_LOGIN,
        /** A mutated real session after a correct login. */
        AFTER_LOGIN,
        /** A correct client whose query the hostile server answers with a mutated reply. */
        SERVER_REPLY
    }

    enum End {
        /** Half-closes right after the input: the pooler sees the input and end-of-stream together. */
        HALF_CLOSE_AT_ONCE,
        /** Waits for the answer (a sentinel query marks its end), then half-closes. */
        WAIT_FOR_ANSWER,
        /** Resets the connection (SO_LINGER 0) right after the input. */
        RESET
    }

    /** Where a case connects: a pooler port, a database there, and who it says it is. */
    record Target(String name, int port, String database, String user, String password) {
    }

    String describe() {
        return "case " + id + " " + phase + " " + target.name() + " (db " + target.database() + ", user "
                + target.user() + "), end " + end + ", writes " + writeSizes + "\n  mutations: " + mutations
                + "\n  input (" + input.length + " bytes): " + hexPreview(input, 600)
                + (serverReply == null ? "" : "\n  server reply (" + serverReply.bytes().length + " bytes, close after: "
                + serverReply.closeAfter() + "): " + hexPreview(serverReply.bytes(), 300));
    }

    static String hexPreview(byte[] bytes, int max) {
        String hex = Wire.hex(bytes.length > max ? java.util.Arrays.copyOf(bytes, max) : bytes);
        return bytes.length > max ? hex + "..." : hex;
    }
}

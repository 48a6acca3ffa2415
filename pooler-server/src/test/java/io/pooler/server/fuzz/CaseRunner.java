package io.pooler.server.fuzz;

import io.pooler.server.it.Wire;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Runs one {@link FuzzCase} against the pooler and judges what came back. The rule for every case: the
 * client gets well-formed messages and, if refused, an ErrorResponse with a SQLSTATE before the close;
 * no client that never authenticated is logged in or has a query answered; nobody gets another client's
 * rows; and nothing hangs: once the client has half-closed, the pooler closes within a deadline.
 */
final class CaseRunner {
    /** How one case ended, and what was wrong with it (nothing, when it passed). */
    record Result(FuzzCase fuzzCase, byte[] sent, List<String> problems, String received) {
        boolean passed() {
            return problems.isEmpty();
        }

        String report() {
            return fuzzCase.describe() + "\n  sent (" + sent.length + " bytes): " + FuzzCase.hexPreview(sent, 600)
                    + "\n  received: " + received + "\n  problems: " + problems;
        }
    }

    static final Duration LOGIN_TIMEOUT = Duration.ofSeconds(20);
    /** Quiet for this long, the client stops waiting for more and half-closes. */
    static final Duration IDLE = Duration.ofMillis(250);
    /** The hostile server's logins may fail and be retried (server_login_retry = 1 s). */
    static final Duration IDLE_HOSTILE = Duration.ofSeconds(1);
    static final Duration FATAL_CLOSE = Duration.ofSeconds(5);
    /** After the client's end of stream, the pooler must close within this. */
    static final Duration HANG = Duration.ofSeconds(15);
    private static final int MAX_RECEIVED = 16 << 20;
    private static final byte[] CANCEL_CODE = Wire.intBytes(Wire.CANCEL_REQUEST_CODE);
    private static final byte[] TERMINATE = Wire.terminate();

    private final HostileServer hostileServer;
    private final FuzzCases.Markers markers;

    CaseRunner(HostileServer hostileServer, FuzzCases.Markers markers) {
        this.hostileServer = hostileServer;
        this.markers = markers;
    }

    Result run(FuzzCase c) {
        Exchange x = new Exchange(c);
        try (WireClient w = WireClient.connect(c.target().port())) {
            x.client = w;
            switch (c.phase()) {
                case BEFORE_LOGIN -> x.sendInput(c.input(), c.writeSizes());
                case DURING_LOGIN -> x.abuseLogin();
                case AFTER_LOGIN -> {
                    if (!x.login(false)) {
                        return x.result();
                    }
                    x.sendInput(c.input(), c.writeSizes());
                }
                case SERVER_REPLY -> {
                    hostileServer.register(c.id(), c.serverReply());
                    if (!x.login(true)) {
                        return x.result();
                    }
                    x.sendInput(c.input(), c.writeSizes());
                }
            }
            x.finish();
        } catch (IOException e) {
            x.problems.add("the test client could not connect: " + e);
        } finally {
            hostileServer.forget(c.id());
        }
        x.judge();
        return x.result();
    }

    /** One connection's conversation: what was sent, what came back, and how it ended. */
    private final class Exchange {
        final FuzzCase c;
        WireClient client;
        final ByteArrayOutputStream sent = new ByteArrayOutputStream();
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        final List<WireClient.Frame> frames = new ArrayList<>();
        final List<String> problems = new ArrayList<>();
        int parsed;
        boolean halfClosed;
        boolean eofBeforeHalfClose;
        boolean eof;
        boolean sendFailed;
        String malformed;
        /** The pooler relayed the start of a server message the server then never finished. */
        boolean cutMidMessage;
        boolean sentinelAnswered;

        Exchange(FuzzCase c) {
            this.c = c;
        }

        /** A correct login; false (with the reason noted) when it did not succeed. */
        boolean login(boolean refusalAllowed) {
            try {
                frames.addAll(client.login(c.target().user(), c.target().password(), c.target().database(), LOGIN_TIMEOUT));
                return true;
            } catch (WireClient.LoginRefused e) {
                frames.add(e.error);
                if (!refusalAllowed) {
                    problems.add("a correct login was refused: " + e.error);
                }
                awaitCloseAfterRefusal();
            } catch (IOException e) {
                problems.add("a correct login failed: " + e);
            }
            return false;
        }

        private void awaitCloseAfterRefusal() {
            try {
                readUntilEnd(FATAL_CLOSE, false);
                if (!eof) {
                    problems.add("login refused with FATAL but the connection stayed open for " + FATAL_CLOSE.toSeconds() + " s");
                }
            } catch (IOException e) {
                // a reset after a refusal is a close too
            }
        }

        void abuseLogin() throws IOException {
            send(Wire.startup(c.target().user(), c.target().database()));
            WireClient.Frame request = client.read(LOGIN_TIMEOUT);
            if (request == null || request.type() != 'R' || !List.of(3, 5, 10).contains(request.authCode())) {
                if (request != null) {
                    frames.add(request);
                }
                return; // refused before any password exchange; judged like any reply
            }
            frames.add(request);
            Mutator planMutator = new Mutator(new SplittableRandom(c.planSeed()));
            LoginAbuse.Plan plan = LoginAbuse.plan(planMutator, request.authCode(),
                    "select '" + markers.unauthenticated(c.id()) + "'");
            c.mutations().addAll(planMutator.applied());
            int noted = planMutator.applied().size();
            send(Wire.concat(plan.first(), c.input()));
            if (plan.afterServerFirst() == null || sendFailed) {
                return;
            }
            WireClient.Frame next;
            try {
                next = client.read(IDLE.multipliedBy(8));
            } catch (SocketTimeoutException e) {
                return;
            }
            if (next == null) {
                eof = true;
                eofBeforeHalfClose = true;
                return;
            }
            frames.add(next);
            if (next.authCode() == 11) {
                String serverFirst = new String(next.body(), 4, next.body().length - 4, StandardCharsets.UTF_8);
                send(Wire.concat(plan.afterServerFirst().apply(serverFirst), c.input()));
                c.mutations().addAll(planMutator.applied().subList(noted, planMutator.applied().size()));
            }
        }

        void sendInput(byte[] input, List<Integer> writeSizes) {
            int offset = 0;
            for (int size : writeSizes) {
                send(java.util.Arrays.copyOfRange(input, offset, offset + size));
                offset += size;
            }
            if (offset < input.length) {
                send(java.util.Arrays.copyOfRange(input, offset, input.length));
            }
            if (c.end() == FuzzCase.End.WAIT_FOR_ANSWER && c.phase() == FuzzCase.Phase.AFTER_LOGIN) {
                // Marks the end of the answer; lost when the input left the session where a Query cannot run.
                send(Wire.concat(Wire.sync(), Wire.query("select '" + markers.sentinel(c.id()) + "'")));
            }
        }

        private void send(byte[] bytes) {
            if (sendFailed) {
                return;
            }
            sent.writeBytes(bytes);
            try {
                client.send(bytes);
            } catch (IOException e) {
                sendFailed = true; // the pooler closed on us; what it said before is still to be read
            }
        }

        void finish() throws IOException {
            if (eof) {
                return;
            }
            switch (c.end()) {
                case RESET -> client.reset();
                case HALF_CLOSE_AT_ONCE -> {
                    halfClose();
                    readUntilEnd(HANG, true);
                }
                case WAIT_FOR_ANSWER -> {
                    readUntilEnd(c.phase() == FuzzCase.Phase.SERVER_REPLY ? IDLE_HOSTILE : IDLE, false);
                    if (!eof) {
                        halfClose();
                        readUntilEnd(HANG, true);
                    }
                }
            }
        }

        private void halfClose() {
            halfClosed = true;
            try {
                client.shutdownOutput();
            } catch (IOException e) {
                // already closed by the pooler
            }
        }

        /**
         * Reads until end of stream, or until nothing came for {@code quiet} (unless {@code toTheEnd}, when
         * the whole of {@code quiet} is a deadline). A FATAL error extends the wait: the close must follow.
         */
        void readUntilEnd(Duration quiet, boolean toTheEnd) throws IOException {
            long deadline = System.nanoTime() + quiet.toNanos();
            byte[] buffer = new byte[65536];
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    if (toTheEnd) {
                        problems.add("no close " + quiet.toSeconds() + " s after the client's end of stream (a hang)");
                    }
                    return;
                }
                int n;
                try {
                    n = client.readInto(buffer, Duration.ofNanos(left));
                } catch (SocketTimeoutException e) {
                    if (toTheEnd) {
                        continue;
                    }
                    if (fatalSeen()) {
                        problems.add("FATAL error, then the connection stayed open for " + quiet.toMillis() + " ms");
                    }
                    return;
                } catch (IOException e) {
                    // A reset is an end of stream for our purposes.
                    n = -1;
                }
                if (n < 0) {
                    eof = true;
                    eofBeforeHalfClose = !halfClosed;
                    parse(true);
                    return;
                }
                received.write(buffer, 0, n);
                if (received.size() > MAX_RECEIVED) {
                    problems.add("more than " + MAX_RECEIVED + " bytes of reply");
                    return;
                }
                parse(false);
                if (sentinelAnswered) {
                    return;
                }
                if (!toTheEnd) {
                    deadline = System.nanoTime() + (fatalSeen() ? FATAL_CLOSE : quiet).toNanos();
                }
            }
        }

        boolean fatalSeen() {
            return frames.stream().anyMatch(f -> f.isError() && "FATAL".equals(f.field('S')));
        }

        /** Splits what came so far into messages; a lone 'N' before login answers an SSLRequest or GSSENCRequest. */
        void parse(boolean atEnd) {
            byte[] all = received.toByteArray();
            while (parsed < all.length && malformed == null) {
                int remaining = all.length - parsed;
                byte type = all[parsed];
                boolean serverSide = c.phase() == FuzzCase.Phase.SERVER_REPLY;
                if (remaining < 5) {
                    if (atEnd) {
                        if (type == 'N' && c.phase() == FuzzCase.Phase.BEFORE_LOGIN) {
                            parsed++; // the one-byte answer to SSLRequest or GSSENCRequest
                            continue;
                        }
                        if (serverSide) {
                            cutMidMessage = true;
                            return;
                        }
                        malformed = "the reply ends inside a message header at byte " + parsed;
                    }
                    return;
                }
                int length = ByteBuffer.wrap(all, parsed + 1, 4).getInt();
                boolean sane = length >= 4 && length <= WireClient.MAX_REPLY_LENGTH;
                if (type == 'N' && c.phase() == FuzzCase.Phase.BEFORE_LOGIN && (!sane || length > (1 << 20))) {
                    parsed++; // the one-byte answer to SSLRequest or GSSENCRequest
                    continue;
                }
                if (serverSide && length >= 4 && (!sane || remaining < length + 1)) {
                    // A long server message is relayed as it comes (max_packet_size allows up to 2 GB): when the
                    // server stops inside it, the pooler can only close, with no room for an ErrorResponse.
                    if (atEnd) {
                        cutMidMessage = true;
                    }
                    return;
                }
                if (!sane) {
                    malformed = "message '" + Mutator.printable(type) + "' with length " + length + " at byte " + parsed;
                    return;
                }
                if (remaining < length + 1) {
                    if (atEnd) {
                        malformed = "the reply ends inside a '" + Mutator.printable(type) + "' message at byte " + parsed;
                    }
                    return;
                }
                WireClient.Frame f = new WireClient.Frame((char) (type & 0xFF),
                        java.util.Arrays.copyOfRange(all, parsed + 5, parsed + 1 + length));
                frames.add(f);
                parsed += length + 1;
                if (f.type() == 'Z' && sentinelSeen()) {
                    sentinelAnswered = true;
                }
            }
        }

        private boolean sentinelSeen() {
            String own = markers.sentinel(c.id());
            return frames.stream().anyMatch(f -> own.equals(f.firstColumn()));
        }

        void judge() {
            if (malformed != null) {
                problems.add("not a sequence of messages: " + malformed);
            }
            for (WireClient.Frame f : frames) {
                if (f.isError() && (f.field('C') == null || f.field('C').length() != 5) && !fromHostileServer(f)) {
                    problems.add("an ErrorResponse without a SQLSTATE: " + f);
                }
                if (c.phase() == FuzzCase.Phase.BEFORE_LOGIN || c.phase() == FuzzCase.Phase.DURING_LOGIN) {
                    if (f.authCode() == 0) {
                        problems.add("AuthenticationOk for a client that never gave the password");
                    }
                    if (f.type() == 'T' || f.type() == 'D' || f.type() == 'C') {
                        problems.add("a query answered before login: " + f);
                    }
                }
                crossedResult(f.firstColumn());
            }
            boolean refused = frames.stream().anyMatch(f -> f.isError() && f.field('C') != null);
            if (eofBeforeHalfClose && !refused && !cutMidMessage && !silentCloseAllowed() && c.end() != FuzzCase.End.RESET) {
                problems.add("closed by the pooler without an ErrorResponse");
            }
        }

        /** A message the hostile server itself sent, relayed as it was: its errors need not be well-formed. */
        private boolean fromHostileServer(WireClient.Frame f) {
            if (c.serverReply() == null) {
                return false;
            }
            byte[] whole = Wire.typed(f.type(), f.body());
            return contains(c.serverReply().bytes(), whole);
        }

        private void crossedResult(String value) {
            if (value == null) {
                return;
            }
            long hostileCase = HostileServer.caseOfTag(value);
            if (value.startsWith("chk") || hostileCase >= 0 && hostileCase != c.id()
                    || value.startsWith(markers.sentinelPrefix()) && !value.equals(markers.sentinel(c.id()))) {
                problems.add("a row meant for another client: " + value);
            }
        }

        /**
         * Only a CancelRequest or a Terminate ends a connection without a word. After login, a Terminate is
         * any message of type X, whatever its length says, as in PostgreSQL.
         */
        private boolean silentCloseAllowed() {
            byte[] s = sent.toByteArray();
            return contains(s, CANCEL_CODE) || contains(s, TERMINATE)
                    || c.phase() == FuzzCase.Phase.AFTER_LOGIN && hasTypedMessage(c.input(), (byte) 'X');
        }

        Result result() {
            StringBuilder summary = new StringBuilder();
            for (int i = 0; i < frames.size() && i < 20; i++) {
                summary.append(frames.get(i)).append(' ');
            }
            if (frames.size() > 20) {
                summary.append("... (").append(frames.size()).append(" messages) ");
            }
            summary.append(eof ? (eofBeforeHalfClose ? "closed by the pooler" : "closed after our end of stream")
                    : c.end() == FuzzCase.End.RESET ? "reset by us" : "still open");
            return new Result(c, sent.toByteArray(), List.copyOf(problems), summary.toString());
        }
    }

    /** True when {@code type} starts one of the typed messages the bytes split into, read as the pooler reads them. */
    static boolean hasTypedMessage(byte[] bytes, byte type) {
        long at = 0;
        while (at + 5 <= bytes.length) {
            if (bytes[(int) at] == type) {
                return true;
            }
            int length = ByteBuffer.wrap(bytes, (int) at + 1, 4).getInt();
            if (length < 4) {
                return false;
            }
            at += 1L + length;
        }
        return false;
    }

    static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}

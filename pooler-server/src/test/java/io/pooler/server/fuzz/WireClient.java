package io.pooler.server.fuzz;

import com.ongres.scram.client.ScramClient;
import com.ongres.scram.common.StringPreparation;
import io.pooler.server.it.Wire;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * A raw PostgreSQL protocol connection to the pooler, for clients that misbehave on purpose. It sends
 * whatever bytes it is given and reads backend messages with a deadline, so a test never waits for ever.
 */
final class WireClient implements AutoCloseable {
    /** Longer than any reply a test expects; a longer length means the framing is broken. */
    static final int MAX_REPLY_LENGTH = 64 << 20;

    /** One backend message. */
    record Frame(char type, byte[] body) {
        boolean isError() {
            return type == 'E';
        }

        /** A field of an ErrorResponse or NoticeResponse ('C' SQLSTATE, 'M' message, 'S' severity), or null. */
        String field(char code) {
            int i = 0;
            while (i < body.length && body[i] != 0) {
                int end = i + 1;
                while (end < body.length && body[end] != 0) {
                    end++;
                }
                if (body[i] == code) {
                    return new String(body, i + 1, end - i - 1, StandardCharsets.UTF_8);
                }
                i = end + 1;
            }
            return null;
        }

        /** The first column of a DataRow as text, or null. */
        String firstColumn() {
            ByteBuffer b = ByteBuffer.wrap(body);
            if (type != 'D' || body.length < 6 || b.getShort() < 1) {
                return null;
            }
            int length = b.getInt();
            if (length < 0 || length > b.remaining()) {
                return null;
            }
            return new String(body, 6, length, StandardCharsets.UTF_8);
        }

        /** The auth request code of an Authentication message, or -1. */
        int authCode() {
            return type == 'R' && body.length >= 4 ? ByteBuffer.wrap(body).getInt() : -1;
        }

        @Override
        public String toString() {
            if (isError() || type == 'N') {
                return type + "(" + field('S') + " " + field('C') + " " + field('M') + ")";
            }
            return type + "[" + body.length + "]";
        }
    }

    /** The server answered a login with an ErrorResponse. */
    static final class LoginRefused extends IOException {
        final Frame error;

        LoginRefused(Frame error) {
            super("login refused: " + error);
            this.error = error;
        }
    }

    private final Socket socket;
    private final DataInputStream in;

    private WireClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
    }

    static WireClient connect(int port) throws IOException {
        Socket socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        return new WireClient(socket);
    }

    void send(byte[] bytes) throws IOException {
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
    }

    /** Half-closes: the pooler reads end-of-stream, and this side can still read what it answers. */
    void shutdownOutput() throws IOException {
        if (!socket.isOutputShutdown()) {
            socket.shutdownOutput();
        }
    }

    /** One byte, as the answer to an SSLRequest or GSSENCRequest; -1 at end of stream. */
    int readByte(Duration timeout) throws IOException {
        socket.setSoTimeout(timeoutMillis(timeout));
        return in.read();
    }

    /**
     * The next message, or null at end of stream. Throws {@link SocketTimeoutException} when nothing
     * came in time, and {@link MalformedReply} when the bytes are not a message.
     */
    Frame read(Duration timeout) throws IOException {
        socket.setSoTimeout(timeoutMillis(timeout));
        int type = in.read();
        if (type < 0) {
            return null;
        }
        try {
            int length = in.readInt();
            if (length < 4 || length > MAX_REPLY_LENGTH) {
                throw new MalformedReply("message '" + (char) type + "' with length " + length);
            }
            byte[] body = new byte[length - 4];
            in.readFully(body);
            return new Frame((char) type, body);
        } catch (EOFException e) {
            throw new MalformedReply("end of stream inside a message of type '" + (char) type + "'");
        }
    }

    /** Reads to ReadyForQuery; an ErrorResponse on the way is returned in the list like any message. */
    List<Frame> readUntilReady(Duration timeout) throws IOException {
        List<Frame> frames = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Frame f = read(remaining(deadline));
            if (f == null) {
                if (!frames.isEmpty() && frames.get(frames.size() - 1).isError()) {
                    return frames; // refused, then closed: the caller reads the error
                }
                throw new EOFException("end of stream before ReadyForQuery; got " + frames);
            }
            frames.add(f);
            if (f.type() == 'Z') {
                return frames;
            }
        }
    }

    /** StartupMessage, the password exchange the server asks for, and the welcome up to ReadyForQuery. */
    List<Frame> login(String user, String password, String database, Duration timeout) throws IOException {
        return login(Map.of("user", user, "database", database), user, password, timeout);
    }

    List<Frame> login(Map<String, String> startup, String user, String password, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        send(Wire.startup(startup));
        ScramClient scram = null;
        while (true) {
            Frame f = read(remaining(deadline));
            if (f == null) {
                throw new EOFException("end of stream during login");
            }
            if (f.isError()) {
                throw new LoginRefused(f);
            }
            if (f.type() != 'R') {
                throw new MalformedReply("expected an authentication request, got " + f);
            }
            switch (f.authCode()) {
                case 0 -> {
                    List<Frame> welcome = readUntilReady(remaining(deadline));
                    for (Frame w : welcome) {
                        if (w.isError()) {
                            throw new LoginRefused(w); // e.g. no server could be had for the welcome
                        }
                    }
                    return welcome;
                }
                case 3 -> send(Wire.password(password));
                case 5 -> send(Wire.password(md5Response(user, password, java.util.Arrays.copyOfRange(f.body(), 4, 8))));
                case 10 -> {
                    scram = ScramClient.builder()
                            .advertisedMechanisms(List.of("SCRAM-SHA-256"))
                            .username(user)
                            .password(password.toCharArray())
                            .stringPreparation(StringPreparation.POSTGRESQL_PREPARATION)
                            .build();
                    send(Wire.saslInitialResponse("SCRAM-SHA-256",
                            scram.clientFirstMessage().toString().getBytes(StandardCharsets.UTF_8)));
                }
                case 11 -> {
                    try {
                        scram.serverFirstMessage(authData(f));
                        send(Wire.saslResponse(scram.clientFinalMessage().toString().getBytes(StandardCharsets.UTF_8)));
                    } catch (Exception e) {
                        throw new IOException("SCRAM server-first refused by the client: " + e, e);
                    }
                }
                case 12 -> {
                    try {
                        scram.serverFinalMessage(authData(f));
                    } catch (Exception e) {
                        throw new IOException("SCRAM server-final refused by the client: " + e, e);
                    }
                }
                default -> throw new MalformedReply("unexpected authentication request " + f.authCode());
            }
        }
    }

    static String md5Response(String user, String password, byte[] salt) {
        String inner = md5Hex((password + user).getBytes(StandardCharsets.UTF_8));
        ByteArrayOutputStream outer = new ByteArrayOutputStream();
        outer.writeBytes(inner.getBytes(StandardCharsets.US_ASCII));
        outer.writeBytes(salt);
        return "md5" + md5Hex(outer.toByteArray());
    }

    private static String md5Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String authData(Frame f) {
        return new String(f.body(), 4, f.body().length - 4, StandardCharsets.UTF_8);
    }

    InputStream rawInput() {
        return in;
    }

    /** Whatever bytes arrive next, up to the buffer's size; -1 at end of stream. */
    int readInto(byte[] buffer, Duration timeout) throws IOException {
        socket.setSoTimeout(timeoutMillis(timeout));
        return in.read(buffer);
    }

    /** Closes with a reset (SO_LINGER 0) instead of a FIN. */
    void reset() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing is best effort; the test is over with this connection
        }
    }

    static Duration remaining(long deadlineNanos) throws SocketTimeoutException {
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0) {
            throw new SocketTimeoutException("deadline passed");
        }
        return Duration.ofNanos(left);
    }

    private static int timeoutMillis(Duration timeout) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
    }

    /** The pooler sent bytes that are not a backend message. */
    static final class MalformedReply extends IOException {
        MalformedReply(String message) {
            super(message);
        }
    }
}

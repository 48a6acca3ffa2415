package io.pooler.protocol;

/**
 * The message types a client may send once logged in (PostgreSQL's PostgresMain accepts these and
 * closes the session on anything else). Checked before a message is queued or relayed: an unknown type
 * relayed to a server would make PostgreSQL end that server's session, which the pooler may already
 * have handed to another client.
 */
public final class FrontendMessageCheck {
    private FrontendMessageCheck() {
    }

    public static boolean allowedAfterLogin(byte type) {
        return switch (type) {
            case MessageType.QUERY, MessageType.PARSE, MessageType.BIND, MessageType.EXECUTE, MessageType.DESCRIBE,
                 MessageType.CLOSE, MessageType.SYNC, MessageType.FLUSH, MessageType.FUNCTION_CALL,
                 MessageType.TERMINATE, MessageType.COPY_DATA, MessageType.COPY_DONE, MessageType.COPY_FAIL -> true;
            default -> false;
        };
    }

    /** PostgreSQL's PQ_LARGE_MESSAGE_LIMIT: no client message may be longer. */
    public static final int LARGE_MESSAGE_LIMIT = 0x3FFFFFFF - 1;
    /** PostgreSQL's PQ_SMALL_MESSAGE_LIMIT, for the messages that carry no query, data or parameters. */
    public static final int SMALL_MESSAGE_LIMIT = 10000;

    /**
     * The longest message of this type PostgreSQL reads from a client (postgres.c, SocketBackend): a
     * longer one would only be relayed to end in the server's FATAL, so the pooler refuses it first.
     */
    public static int maxLength(byte type) {
        return switch (type) {
            case MessageType.QUERY, MessageType.PARSE, MessageType.BIND, MessageType.FUNCTION_CALL,
                 MessageType.COPY_DATA -> LARGE_MESSAGE_LIMIT;
            default -> SMALL_MESSAGE_LIMIT;
        };
    }

    /**
     * PostgreSQL's PG_MAX_AUTH_TOKEN_LENGTH: the longest password-type message ('p': PasswordMessage,
     * SASLInitialResponse, SASLResponse) it reads, length word included. Cloud services hand out long
     * generated passwords; PgBouncer reads password packets of any size its buffers take and, on its
     * master, keeps passwords up to this bound too.
     */
    public static final int MAX_PASSWORD_MESSAGE = 65535;
    /** Any other message before login is small (a Terminate, say): this is all one may take. */
    public static final int MAX_OTHER_AUTH_MESSAGE = 8192;

    /** The longest message of this type accepted while a client authenticates. */
    public static int maxAuthLength(byte type) {
        return type == MessageType.PASSWORD_MESSAGE ? MAX_PASSWORD_MESSAGE : MAX_OTHER_AUTH_MESSAGE;
    }

    /** Throws {@link ProtocolException} (08P01) for a type a logged-in client may not send. */
    public static void checkAfterLogin(byte type) {
        if (!allowedAfterLogin(type)) {
            throw new ProtocolException("invalid frontend message type " + (type & 0xFF));
        }
    }
}

package io.pooler.sql;

import io.netty.buffer.ByteBuf;
import io.pooler.protocol.MessageType;
import io.pooler.protocol.PgFrames;
import io.pooler.protocol.TrackedParameters;

/**
 * Finds the statements in a query text that leave state in the server's session, or clear it, so
 * that transaction pooling can keep such a client on its server ({@link SessionPin}). A lexical
 * scan, not a parser: it reads the first words of each statement and looks for the session-level
 * advisory lock functions anywhere, skipping comments, literals and dollar quotes ({@link SqlLexer}).
 * Linear in the text, no allocation unless a SET names a parameter.
 *
 * <p>What it recognises, per statement, in order:
 * <ul>
 *   <li>{@code SET [SESSION] name …} of a parameter the pooler does not track (tracked ones are carried
 *       from server to server already), {@code SET SESSION CHARACTERISTICS}. Not {@code SET LOCAL},
 *       {@code SET TRANSACTION}, {@code SET CONSTRAINTS}: they end with the transaction. {@code RESET ALL}
 *       clears it.</li>
 *   <li>{@code SET ROLE} and {@code SET SESSION AUTHORIZATION}, in either spelling ({@code SET role = …},
 *       {@code SET session_authorization = …}), each a pin of its own: {@code RESET ALL} does not reset them
 *       in PostgreSQL. {@code RESET ROLE}, {@code SET ROLE NONE} clear the role; {@code RESET SESSION
 *       AUTHORIZATION}, {@code SET SESSION AUTHORIZATION DEFAULT} clear both, as PostgreSQL goes back to
 *       the login role then.</li>
 *   <li>{@code PREPARE} (not {@code PREPARE TRANSACTION}) and {@code DEALLOCATE [PREPARE] name};
 *       {@code DEALLOCATE [PREPARE] ALL} clears it.</li>
 *   <li>{@code DECLARE … WITH HOLD}; {@code CLOSE ALL} clears it.</li>
 *   <li>{@code CREATE [GLOBAL|LOCAL] TEMP|TEMPORARY TABLE} without {@code ON COMMIT DROP}, temporary
 *       views and sequences, and {@code SELECT … INTO TEMP}; {@code DISCARD TEMP} clears it.</li>
 *   <li>{@code pg_advisory_lock(}, {@code pg_try_advisory_lock(} and their {@code _shared} forms
 *       anywhere in a statement; {@code pg_advisory_unlock_all(} clears it. A single
 *       {@code pg_advisory_unlock(} cannot tell whether it was the last lock, so the pin stays.</li>
 *   <li>{@code LOAD}; nothing but the session's end clears it.</li>
 *   <li>{@code LISTEN}; {@code UNLISTEN *} clears it. (When the pooler multiplexes LISTEN, a lone
 *       LISTEN statement never reaches this scanner.)</li>
 *   <li>{@code DISCARD ALL} clears everything but LOAD.</li>
 * </ul>
 * NOTE: statements run inside functions and {@code DO} blocks are not seen (their bodies are string
 * literals). The pin is a safety net for the common cases, not a proof.
 */
public final class SessionStateScanner {
    /** DISCARD ALL clears everything but a LOADed library. */
    private static final int KEPT_BY_DISCARD_ALL = SessionPin.LOAD.bit();

    private SessionStateScanner() {
    }

    /**
     * The pins a session holds after running {@code text[from, to)}, given those it held before.
     * {@code tracked} says which parameters the pooler carries from server to server (no pin for them).
     */
    public static int apply(TrackedParameters tracked, int pinsBefore, ByteBuf text, int from, int to) {
        return pinsOf(scanText(tracked, pinsBefore, text, from, to));
    }

    /**
     * The pins after one whole frontend message (type byte, length, body, as it travels): the text of a
     * Query or of a Parse is scanned; any other message leaves the pins as they were. A malformed
     * message is scanned as far as it goes; the frame is not changed.
     */
    public static int applyMessage(TrackedParameters tracked, int pinsBefore, ByteBuf frame) {
        return pinsOf(scanMessage(tracked, pinsBefore, frame));
    }

    /**
     * One scan of a message (as {@link #applyMessage}) that reports two things, packed in a long so that
     * the per-query path allocates nothing: the pins after it ({@link #pinsOf}), and the pins some
     * statement in it cleared, held before or not ({@link #clearedOf}): {@code UNLISTEN *} or
     * {@code DISCARD ALL} end a client's multiplexed subscriptions even when a later statement of the
     * same query LISTENs again on the server.
     */
    public static long scanMessage(TrackedParameters tracked, int pinsBefore, ByteBuf frame) {
        int start = frame.readerIndex();
        int end = frame.writerIndex();
        if (end - start <= PgFrames.HEADER_LENGTH) {
            return pack(pinsBefore, 0);
        }
        byte type = frame.getByte(start);
        int textStart = start + PgFrames.HEADER_LENGTH;
        if (type == MessageType.PARSE) {
            int nameEnd = frame.indexOf(textStart, end, (byte) 0); // the statement name comes first
            if (nameEnd < 0) {
                return pack(pinsBefore, 0);
            }
            textStart = nameEnd + 1;
        } else if (type != MessageType.QUERY) {
            return pack(pinsBefore, 0);
        }
        int textEnd = frame.indexOf(textStart, end, (byte) 0);
        return scanText(tracked, pinsBefore, frame, textStart, textEnd < 0 ? end : textEnd);
    }

    /** One text, packed as {@link #scanMessage}: at a glance when it can be ({@link StateFreeText}), else lexed. */
    private static long scanText(TrackedParameters tracked, int pinsBefore, ByteBuf text, int from, int to) {
        if (StateFreeText.certainly(text, from, to)) {
            return pack(pinsBefore, 0);
        }
        return lexedScan(tracked, pinsBefore, text, from, to);
    }

    /** The scan itself, every token lexed; what {@link StateFreeText} must agree with. */
    static long lexedScan(TrackedParameters tracked, int pinsBefore, ByteBuf text, int from, int to) {
        Scan scan = new Scan(tracked, text, from, to, pinsBefore);
        return pack(scan.run(), scan.cleared);
    }

    /** The pins after the message, from {@link #scanMessage}. */
    public static int pinsOf(long scan) {
        return (int) scan;
    }

    /** The pins some statement of the message cleared, from {@link #scanMessage}. */
    public static int clearedOf(long scan) {
        return (int) (scan >>> 32);
    }

    private static long pack(int pins, int cleared) {
        return ((long) cleared << 32) | (pins & 0xFFFF_FFFFL);
    }

    /** One pass over one text. */
    private static final class Scan {
        private final TrackedParameters tracked;
        private final SqlLexer lexer;
        private int pins;
        /** The pins a statement cleared, whether held before or not. */
        private int cleared;
        private int depth;
        private boolean afterLockFunction;
        private boolean afterUnlockAllFunction;

        Scan(TrackedParameters tracked, ByteBuf text, int from, int to, int pins) {
            this.tracked = tracked;
            this.lexer = new SqlLexer(text, from, to);
            this.pins = pins;
        }

        int run() {
            advance();
            while (lexer.type() != SqlLexer.END) {
                if (!atStatementEnd()) {
                    statement();
                    skipToStatementEnd();
                }
                advance(); // past the ';'
            }
            return pins;
        }

        private void clear(int bits) {
            pins &= ~bits;
            cleared |= bits;
        }

        /** Every token passes here, so advisory lock calls are seen wherever they are. */
        private int advance() {
            int type = lexer.next();
            if (type == SqlLexer.SYMBOL) {
                if (lexer.symbolIs('(')) {
                    if (afterLockFunction) {
                        pins |= SessionPin.ADVISORY_LOCK.bit();
                    } else if (afterUnlockAllFunction) {
                        clear(SessionPin.ADVISORY_LOCK.bit());
                    }
                    depth++;
                } else if (lexer.symbolIs(')') && depth > 0) {
                    depth--;
                }
            }
            afterLockFunction = type == SqlLexer.WORD && isSessionLockFunction();
            afterUnlockAllFunction = type == SqlLexer.WORD && lexer.wordIs("pg_advisory_unlock_all");
            return type;
        }

        private boolean isSessionLockFunction() {
            return lexer.wordIs("pg_advisory_lock") || lexer.wordIs("pg_advisory_lock_shared")
                    || lexer.wordIs("pg_try_advisory_lock") || lexer.wordIs("pg_try_advisory_lock_shared");
        }

        private boolean atStatementEnd() {
            return lexer.type() == SqlLexer.END || (depth == 0 && lexer.symbolIs(';'));
        }

        private void skipToStatementEnd() {
            while (!atStatementEnd()) {
                advance();
            }
        }

        /** Dispatches on the statement's first word; leaves the lexer anywhere inside the statement. */
        private void statement() {
            if (lexer.wordIs("set")) {
                set();
            } else if (lexer.wordIs("reset")) {
                reset();
            } else if (lexer.wordIs("prepare")) {
                advance();
                if (!lexer.wordIs("transaction")) {
                    pins |= SessionPin.PREPARE.bit();
                }
            } else if (lexer.wordIs("deallocate")) {
                advance();
                if (lexer.wordIs("prepare")) {
                    advance();
                }
                if (lexer.wordIs("all")) {
                    clear(SessionPin.PREPARE.bit());
                } else {
                    // By name: the client works with the server's prepared statements, maybe with the
                    // names the pooler prepares under (ServerRelease.resetBeforeOthers), so it keeps its
                    // server as a PREPARE does. SQL EXECUTE changes nothing on the server: no pin.
                    pins |= SessionPin.PREPARE.bit();
                }
            } else if (lexer.wordIs("declare")) {
                declare();
            } else if (lexer.wordIs("close")) {
                advance();
                if (lexer.wordIs("all")) {
                    clear(SessionPin.HOLD_CURSOR.bit());
                }
            } else if (lexer.wordIs("create")) {
                create();
            } else if (lexer.wordIs("select") || lexer.wordIs("with")) {
                selectInto();
            } else if (lexer.wordIs("discard")) {
                advance();
                if (lexer.wordIs("all")) {
                    clear(~KEPT_BY_DISCARD_ALL);
                } else if (lexer.wordIs("temp") || lexer.wordIs("temporary")) {
                    clear(SessionPin.TEMP_TABLE.bit());
                }
            } else if (lexer.wordIs("load")) {
                pins |= SessionPin.LOAD.bit();
            } else if (lexer.wordIs("listen")) {
                pins |= SessionPin.LISTEN.bit();
            } else if (lexer.wordIs("unlisten")) {
                advance();
                if (lexer.symbolIs('*')) {
                    clear(SessionPin.LISTEN.bit());
                }
            }
        }

        private void set() {
            advance();
            if (lexer.wordIs("local") || lexer.wordIs("transaction") || lexer.wordIs("constraints")) {
                return; // ends with the transaction
            }
            if (lexer.wordIs("session")) {
                advance();
                if (lexer.wordIs("characteristics")) {
                    pins |= SessionPin.SET.bit();
                    return;
                }
            }
            String name;
            if (isRole()) {
                setIdentity(SessionPin.ROLE.bit(), SessionPin.ROLE.bit());
                return;
            } else if (isSessionAuthorization()) {
                // DEFAULT goes back to the login role: no role either, as PostgreSQL shows.
                setIdentity(SessionPin.SESSION_AUTHORIZATION.bit(),
                        SessionPin.SESSION_AUTHORIZATION.bit() | SessionPin.ROLE.bit());
                return;
            } else if (lexer.wordIs("time")) {
                name = "TimeZone";
            } else if (lexer.wordIs("names")) {
                name = "client_encoding";
            } else if (lexer.wordIs("schema")) {
                name = "search_path";
            } else {
                name = lexer.identifier();
                if (name != null && advance() == SqlLexer.SYMBOL && lexer.symbolIs('.')) {
                    name = null; // a custom extension.parameter, never tracked
                }
            }
            if (name == null || !tracked.isTracked(name)) {
                pins |= SessionPin.SET.bit();
            }
        }

        /**
         * RESET ALL resets what SET pins, but NOTE: not role and session_authorization, which PostgreSQL
         * leaves out of RESET ALL (GUC_NO_RESET_ALL); clearing their pins there would hand the next
         * client a session running as another role.
         */
        private void reset() {
            advance();
            if (lexer.wordIs("all")) {
                clear(SessionPin.SET.bit());
            } else if (isRole()) {
                clear(SessionPin.ROLE.bit());
            } else if (lexer.wordIs("session")) {
                advance();
                if (lexer.wordIs("authorization")) {
                    clear(SessionPin.SESSION_AUTHORIZATION.bit() | SessionPin.ROLE.bit());
                }
            } else if (isSessionAuthorization()) {
                clear(SessionPin.SESSION_AUTHORIZATION.bit() | SessionPin.ROLE.bit());
            }
        }

        /** {@code role}, as the ROLE keyword or the parameter's name, quoted or not. */
        private boolean isRole() {
            return lexer.wordIs("role") || (lexer.type() == SqlLexer.QUOTED_IDENTIFIER && "role".equals(lexer.identifier()));
        }

        /** After SET [SESSION]: {@code AUTHORIZATION}, or the parameter's name {@code session_authorization}. */
        private boolean isSessionAuthorization() {
            return lexer.wordIs("authorization") || lexer.wordIs("session_authorization")
                    || (lexer.type() == SqlLexer.QUOTED_IDENTIFIER && "session_authorization".equals(lexer.identifier()));
        }

        /**
         * The value of SET ROLE or SET SESSION AUTHORIZATION (after an optional TO or =): NONE or DEFAULT
         * goes back to the login identity and clears {@code clears}; anything else pins {@code pin}.
         */
        private void setIdentity(int pin, int clears) {
            advance();
            if (lexer.wordIs("to") || lexer.symbolIs('=')) {
                advance();
            }
            if (lexer.wordIs("none") || lexer.wordIs("default")) {
                clear(clears);
            } else {
                pins |= pin;
            }
        }

        private void declare() {
            while (!atStatementEnd() && !(depth == 0 && lexer.wordIs("for"))) {
                if (lexer.wordIs("with")) {
                    advance();
                    if (lexer.wordIs("hold")) {
                        pins |= SessionPin.HOLD_CURSOR.bit();
                    }
                } else {
                    advance();
                }
            }
        }

        private void create() {
            advance();
            if (lexer.wordIs("or")) {
                advance();
                if (lexer.wordIs("replace")) {
                    advance();
                }
            }
            if (lexer.wordIs("global") || lexer.wordIs("local")) {
                advance();
            }
            if (!lexer.wordIs("temp") && !lexer.wordIs("temporary")) {
                return;
            }
            advance();
            if (!lexer.wordIs("table")) {
                pins |= SessionPin.TEMP_TABLE.bit(); // a temporary view or sequence
                return;
            }
            boolean dropsAtCommit = false;
            while (!atStatementEnd()) {
                if (depth == 0 && lexer.wordIs("on")) {
                    advance();
                    if (lexer.wordIs("commit")) {
                        advance();
                        dropsAtCommit = lexer.wordIs("drop");
                    }
                } else {
                    advance();
                }
            }
            if (!dropsAtCommit) {
                pins |= SessionPin.TEMP_TABLE.bit();
            }
        }

        private void selectInto() {
            while (!atStatementEnd()) {
                if (depth == 0 && lexer.wordIs("into")) {
                    advance();
                    if (lexer.wordIs("temp") || lexer.wordIs("temporary")) {
                        pins |= SessionPin.TEMP_TABLE.bit();
                    }
                } else {
                    advance();
                }
            }
        }
    }
}

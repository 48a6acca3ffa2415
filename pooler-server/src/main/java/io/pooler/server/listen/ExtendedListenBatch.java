package io.pooler.server.listen;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.util.ReferenceCountUtil;
import io.pooler.protocol.MessageType;
import io.pooler.protocol.PgFrames;
import io.pooler.sql.ListenCommand;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

/**
 * A LISTEN/UNLISTEN sent over the extended protocol, as PgJDBC sends {@code execute("LISTEN ch")} and
 * libpq's PQexecParams (psycopg 3 with binary results or in a pipeline): Parse, Bind, Describe,
 * Execute, Sync. When the batch up to Sync is exactly one such statement, unnamed, without parameters,
 * the pooler answers it as the simple-protocol one (listen_multiplex): ParseComplete, BindComplete,
 * ParameterDescription and NoData for a Describe, as PostgreSQL does, then the statement's
 * CommandComplete and ReadyForQuery.
 *
 * <p>The batch cannot be judged before its Sync, so from a Parse of a lone LISTEN/UNLISTEN on, its
 * messages are held here (at most {@link #MAX_HELD}, each a whole frame). Anything else arriving first
 * (a second statement, a Flush, a named statement or portal, a parameter, a streamed part) gives them
 * back to the relay, in order, and the batch goes the ordinary way: to a server, which pins the client.
 *
 * <p>Threads: the client's event loop.
 */
public final class ExtendedListenBatch {
    /** How the relay answers a batch that was one LISTEN/UNLISTEN. */
    @FunctionalInterface
    public interface Answerer {
        /** Answers {@code command}, writing {@code answers} before its CommandComplete. */
        void answer(ListenCommand command, byte transactionStatus, Answers answers);
    }

    /**
     * What PostgreSQL answers to the batch's Parse, Bind and Describe messages, in their order: written
     * at answer time, so nothing is allocated while a LISTEN waits for the listener.
     */
    public static final class Answers {
        private final byte[] types;

        private Answers(byte[] types) {
            this.types = types;
        }

        /** Writes the answers to {@code channel}, unflushed. */
        public void write(Channel channel) {
            ByteBuf out = channel.alloc().buffer(types.length * 7);
            for (byte type : types) {
                out.writeByte(type);
                if (type == PARAMETER_DESCRIPTION) {
                    out.writeInt(6).writeShort(0); // no parameters
                } else {
                    out.writeInt(4);
                }
            }
            channel.write(out);
        }
    }

    private static final byte PARSE_COMPLETE = '1';
    private static final byte BIND_COMPLETE = '2';
    private static final byte PARAMETER_DESCRIPTION = 't';
    private static final byte NO_DATA = 'n';
    /** Parse, Bind, Execute and a Describe of each kind; the Sync is never held. */
    static final int MAX_HELD = 5;

    /**
     * The ReadyForQuery status to answer a lone LISTEN/UNLISTEN with, were it to start now (idle, or idle
     * in a transaction); 0 when the pooler may not answer it (a statement is under way).
     */
    private final IntSupplier answerStatus;
    /** Takes over a message held here that goes the ordinary way after all. */
    private final Consumer<Object> replay;
    private final Answerer answerer;
    /** The messages of the batch so far; this queue owns them. Null until the first batch. */
    private ArrayDeque<ByteBuf> held;
    /** The batch's statement; null when no batch is held. */
    private ListenCommand command;
    private byte transactionStatus;
    private boolean bound;
    private boolean executed;
    /** The answers due so far, in order (see {@link Answers}); allocated with {@link #held}. */
    private byte[] answers;
    private int answerCount;
    /** Messages given back are on their way through the relay: they are not looked at again. */
    private boolean replaying;

    public ExtendedListenBatch(IntSupplier answerStatus, Consumer<Object> replay, Answerer answerer) {
        this.answerStatus = answerStatus;
        this.replay = replay;
        this.answerer = answerer;
    }

    /** A batch is held: the client is between messages of it, not between transactions. */
    public boolean holding() {
        return command != null;
    }

    /**
     * A message from the client: returns true when it was taken over (held, or the batch answered), false
     * when the relay should handle it as usual (after any held messages were given back to it).
     */
    public boolean offer(Object msg) {
        if (replaying) {
            return false;
        }
        if (command == null) {
            return msg instanceof ByteBuf frame && PgFrames.type(frame) == MessageType.PARSE && start(frame);
        }
        if (msg instanceof ByteBuf frame && hold(frame)) {
            return true;
        }
        giveBack();
        return false;
    }

    /** The client is gone: what is held is released. */
    public void discard() {
        if (held != null) {
            held.forEach(ReferenceCountUtil::release);
            held.clear();
        }
        reset();
    }

    private boolean start(ByteBuf parse) {
        ListenCommand statement = loneListenParse(parse);
        if (statement == null) {
            return false;
        }
        byte status = (byte) answerStatus.getAsInt();
        if (status == 0) {
            return false;
        }
        if (held == null) {
            held = new ArrayDeque<>(MAX_HELD);
            answers = new byte[2 * MAX_HELD];
        }
        command = statement;
        transactionStatus = status;
        held.add(parse);
        answers[answerCount++] = PARSE_COMPLETE;
        return true;
    }

    /** Holds the next message of the batch if it keeps it one lone statement; at the Sync, answers. */
    private boolean hold(ByteBuf frame) {
        byte type = PgFrames.type(frame);
        if (type != MessageType.SYNC && held.size() == MAX_HELD) {
            return false;
        }
        switch (type) {
            case MessageType.BIND -> {
                if (bound || !isUnnamedBindWithoutParameters(frame)) {
                    return false;
                }
                bound = true;
                answers[answerCount++] = BIND_COMPLETE;
            }
            case MessageType.DESCRIBE -> {
                byte kind = describedKind(frame);
                if (kind == 'S') {
                    answers[answerCount++] = PARAMETER_DESCRIPTION;
                    answers[answerCount++] = NO_DATA;
                } else if (kind == 'P' && bound && !executed) {
                    answers[answerCount++] = NO_DATA;
                } else {
                    return false;
                }
            }
            case MessageType.EXECUTE -> {
                if (!bound || executed || !isUnnamedExecute(frame)) {
                    return false;
                }
                executed = true;
            }
            case MessageType.SYNC -> {
                if (!executed) {
                    return false;
                }
                frame.release();
                answer();
                return true;
            }
            default -> {
                return false;
            }
        }
        held.add(frame);
        return true;
    }

    private void answer() {
        ListenCommand statement = command;
        byte status = transactionStatus;
        byte[] types = Arrays.copyOf(answers, answerCount);
        held.forEach(ReferenceCountUtil::release);
        held.clear();
        reset();
        answerer.answer(statement, status, new Answers(types));
    }

    /** The held messages go the ordinary way, in the order they came. */
    private void giveBack() {
        reset();
        replaying = true;
        try {
            while (!held.isEmpty()) {
                replay.accept(held.poll());
            }
        } finally {
            replaying = false;
        }
    }

    private void reset() {
        command = null;
        bound = false;
        executed = false;
        answerCount = 0;
    }

    // ---- message shapes (type byte, int32 length, body) ----

    /** Parse of the unnamed statement, no parameter types, whose text is a lone LISTEN/UNLISTEN; else null. */
    static ListenCommand loneListenParse(ByteBuf parse) {
        int end = parse.writerIndex();
        int name = parse.readerIndex() + PgFrames.HEADER_LENGTH;
        if (name >= end || parse.getByte(name) != 0) {
            return null;
        }
        int textStart = name + 1;
        int textEnd = parse.indexOf(textStart, end, (byte) 0);
        if (textEnd < 0 || textEnd + 3 != end || parse.getShort(textEnd + 1) != 0) {
            return null; // parameter types follow, or a malformed message: the server answers it
        }
        return ListenCommand.parse(parse, textStart, textEnd);
    }

    /** Bind of the unnamed portal to the unnamed statement, without parameters, well formed. */
    static boolean isUnnamedBindWithoutParameters(ByteBuf bind) {
        int end = bind.writerIndex();
        int at = bind.readerIndex() + PgFrames.HEADER_LENGTH;
        if (end - at < 8 || bind.getByte(at) != 0 || bind.getByte(at + 1) != 0) {
            return false;
        }
        at += 2;
        int formats = bind.getUnsignedShort(at);
        at += 2 + 2 * formats;
        if (at + 4 > end || bind.getShort(at) != 0) {
            return false; // parameters
        }
        at += 2;
        int resultFormats = bind.getUnsignedShort(at);
        return at + 2 + 2 * resultFormats == end;
    }

    /** 'S' or 'P' for a Describe of the unnamed statement or portal; 0 for anything else. */
    static byte describedKind(ByteBuf describe) {
        int at = describe.readerIndex() + PgFrames.HEADER_LENGTH;
        if (describe.writerIndex() - at != 2 || describe.getByte(at + 1) != 0) {
            return 0;
        }
        byte kind = describe.getByte(at);
        return kind == 'S' || kind == 'P' ? kind : 0;
    }

    /** Execute of the unnamed portal, any row limit (the statement returns no rows). */
    static boolean isUnnamedExecute(ByteBuf execute) {
        int at = execute.readerIndex() + PgFrames.HEADER_LENGTH;
        return execute.writerIndex() - at == 5 && execute.getByte(at) == 0;
    }
}

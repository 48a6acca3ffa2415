package io.pooler.sql;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;

/**
 * A glance at a query text that tells, for most of what applications send, that {@link SessionStateScanner}
 * would find nothing in it, without lexing it: the scanner costs a few nanoseconds a byte, and ran on
 * every query (a tenth of the pooler's user CPU in the bench's select-only scenario, and more for the
 * long SELECTs an ORM writes).
 *
 * <p>The text is certainly free of session state when all of these hold, each checked on the raw bytes:
 * <ul>
 *   <li>it is one statement: no {@code ;} but at the end (followed only by blanks and more {@code ;});</li>
 *   <li>its first word, right after blanks (no comment, quote or parenthesis first), is none of the words
 *       the scanner acts on (SET, RESET, PREPARE, DEALLOCATE, DECLARE, CLOSE, CREATE, DISCARD, LOAD,
 *       LISTEN, UNLISTEN);</li>
 *   <li>the letters {@code into} (SELECT … INTO TEMP) and {@code advisory} (the session advisory lock
 *       functions) appear nowhere in it, in any case: not even inside a string or a comment.</li>
 * </ul>
 * Every condition errs on the side of "maybe": a false answer only means the scanner runs as before.
 * A true answer must never hide a statement the scanner would see (StateFreeTextTest compares the two
 * on generated texts).
 */
final class StateFreeText {
    private StateFreeText() {
    }

    /** True when {@code text[from, to)} certainly neither sets nor clears session state; false: scan it. */
    static boolean certainly(ByteBuf text, int from, int to) {
        int wordStart = from;
        while (wordStart < to && isBlank(text.getByte(wordStart))) {
            wordStart++;
        }
        int wordEnd = wordStart;
        while (wordEnd < to && isAsciiWordPart(text.getByte(wordEnd))) {
            wordEnd++;
        }
        if (wordEnd == wordStart || !isAsciiLetter(text.getByte(wordStart))
                || (wordEnd < to && text.getByte(wordEnd) < 0)) {
            return false; // no plain first word: a comment, a quote, a parenthesis, a non-ASCII name
        }
        if (firstWordActedOn(text, wordStart, wordEnd - wordStart)) {
            return false;
        }
        Glance glance = new Glance();
        // NOTE: from the first word on, not after it: a text may begin with pg_advisory_unlock_all(.
        int stop = text.forEachByte(wordStart, to - wordStart, glance);
        if (stop < 0) {
            return true; // no ';', no "into", no "advisory"
        }
        if (glance.found != 0) {
            return false;
        }
        for (int i = stop; i < to; i++) { // a ';': only blanks and ';' may follow it
            byte b = text.getByte(i);
            if (b != ';' && !isBlank(b)) {
                return false;
            }
        }
        return true;
    }

    /** The first words {@link SessionStateScanner}'s statement dispatch reacts to (SELECT and WITH aside). */
    private static final String[] ACTED_ON = {
        "set", "reset", "prepare", "deallocate", "declare", "close", "create", "discard", "load", "listen", "unlisten"
    };

    private static boolean firstWordActedOn(ByteBuf text, int start, int length) {
        for (String word : ACTED_ON) {
            if (word.length() == length && equalsIgnoreCase(text, start, word)) {
                return true;
            }
        }
        return false;
    }

    private static boolean equalsIgnoreCase(ByteBuf text, int start, String lowerCase) {
        for (int i = 0; i < lowerCase.length(); i++) {
            if ((text.getByte(start + i) | 0x20) != lowerCase.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isBlank(byte b) {
        return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f';
    }

    private static boolean isAsciiLetter(byte b) {
        return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z');
    }

    private static boolean isAsciiWordPart(byte b) {
        return isAsciiLetter(b) || (b >= '0' && b <= '9') || b == '_' || b == '$';
    }

    /**
     * One pass that stops at the first {@code ;}, or where {@code into} or {@code advisory} (any case) ends.
     * Neither word begins with a letter found later in it, so a match restarts only at its first letter.
     */
    private static final class Glance implements ByteProcessor {
        private static final byte[] INTO = {'i', 'n', 't', 'o'};
        private static final byte[] ADVISORY = {'a', 'd', 'v', 'i', 's', 'o', 'r', 'y'};
        private int intoMatched;
        private int advisoryMatched;
        /** Non-zero when the stop was a word, not a ';'. */
        int found;

        @Override
        public boolean process(byte b) {
            if (b == ';') {
                return false;
            }
            byte lower = (byte) (b | 0x20);
            intoMatched = lower == INTO[intoMatched] ? intoMatched + 1 : (lower == 'i' ? 1 : 0);
            advisoryMatched = lower == ADVISORY[advisoryMatched] ? advisoryMatched + 1 : (lower == 'a' ? 1 : 0);
            if (intoMatched == INTO.length || advisoryMatched == ADVISORY.length) {
                found = 1;
                return false;
            }
            return true;
        }
    }
}

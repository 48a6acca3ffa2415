package io.pooler.auth;

/**
 * A cursor over one SCRAM message, reading {@code a=value} attributes separated by commas, with the
 * same leniency and the same refusals as PostgreSQL's read_attr_value and read_any_attr.
 */
final class ScramMessageReader {

    private final String message;
    private int pos;

    ScramMessageReader(String message) {
        this.message = message;
    }

    int position() {
        return pos;
    }

    boolean atEnd() {
        return pos >= message.length();
    }

    /** The next character, or 0 at the end (like the C string's terminator). */
    char peek() {
        return atEnd() ? 0 : message.charAt(pos);
    }

    String rest() {
        return message.substring(pos);
    }

    /** Consumes one expected character. */
    void expect(char c, String what) throws ScramException {
        if (peek() != c) {
            throw malformed(what + " expected, found " + describe(peek()));
        }
        pos++;
    }

    /** Reads {@code attr=value} for one given attribute and consumes the comma after it, if any. */
    String readAttribute(char attr) throws ScramException {
        if (peek() != attr) {
            throw malformed("attribute '" + attr + "' expected, found " + describe(peek()));
        }
        pos++;
        expect('=', "'=' after attribute '" + attr + "'");
        return readValue();
    }

    /** Reads any attribute (one ASCII letter) and its value; returns the letter. */
    char readAnyAttribute(StringBuilder valueOut) throws ScramException {
        char attr = peek();
        if (!((attr >= 'a' && attr <= 'z') || (attr >= 'A' && attr <= 'Z'))) {
            throw malformed("attribute expected, found " + describe(attr));
        }
        pos++;
        expect('=', "'=' after attribute '" + attr + "'");
        valueOut.setLength(0);
        valueOut.append(readValue());
        return attr;
    }

    private String readValue() {
        int comma = message.indexOf(',', pos);
        int end = comma < 0 ? message.length() : comma;
        String value = message.substring(pos, end);
        pos = comma < 0 ? end : comma + 1;
        return value;
    }

    static ScramException malformed(String detail) {
        return new ScramException(ScramException.Kind.MALFORMED, "malformed SCRAM message: " + detail);
    }

    /** Printable ASCII as itself, anything else as a code so a hostile byte never reaches a log raw. */
    private static String describe(char c) {
        if (c == 0) {
            return "end of message";
        }
        return c >= 0x21 && c <= 0x7e ? "'" + c + "'" : String.format("U+%04X", (int) c);
    }
}

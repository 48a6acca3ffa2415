package io.pooler.auth.hba;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits one HBA line into tokens the way PgBouncer's HBA reader does: white space separates,
 * {@code ,} is a token of its own, {@code "..."} is a quoted name ({@code ""} inside stands for one
 * quote, and a quoted keyword is just a name), {@code #} outside quotes starts a comment.
 */
final class HbaTokenizer {

    enum Kind { WORD, QUOTED, COMMA }

    record Token(Kind kind, String text) {
        boolean isWord(String word) {
            return kind == Kind.WORD && text.equals(word);
        }
    }

    private HbaTokenizer() {
    }

    static List<Token> tokenize(String line) {
        List<Token> tokens = new ArrayList<>();
        int i = 0;
        while (i < line.length()) {
            char c = line.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '#') {
                break;
            } else if (c == ',') {
                tokens.add(new Token(Kind.COMMA, ","));
                i++;
            } else if (c == '"') {
                i = quoted(line, i, tokens);
            } else {
                int start = i;
                while (i < line.length() && !Character.isWhitespace(line.charAt(i)) && ",#\"".indexOf(line.charAt(i)) < 0) {
                    i++;
                }
                tokens.add(new Token(Kind.WORD, line.substring(start, i)));
            }
        }
        return tokens;
    }

    private static int quoted(String line, int open, List<Token> tokens) {
        StringBuilder text = new StringBuilder();
        int i = open + 1;
        while (i < line.length()) {
            char c = line.charAt(i);
            if (c == '"') {
                if (i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    text.append('"');
                    i += 2;
                    continue;
                }
                tokens.add(new Token(Kind.QUOTED, text.toString()));
                return i + 1;
            }
            text.append(c);
            i++;
        }
        throw new IllegalArgumentException("unterminated quoted string");
    }
}

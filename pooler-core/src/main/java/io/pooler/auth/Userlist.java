package io.pooler.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The users of a PgBouncer {@code auth_file} (userlist.txt), immutable once loaded.
 *
 * <p>Format, as PgBouncer reads it: one {@code "user" "secret"} per line, both fields in double
 * quotes, {@code ""} standing for one quote inside a field, anything after the second field ignored.
 * Blank lines and lines starting with {@code ;} are skipped, leading white space is allowed. A user
 * listed twice keeps the last secret.
 *
 * <p>Stricter than PgBouncer on purpose: only white space may separate the two fields, and both must
 * sit on one line. PgBouncer skips any text up to the next quote, even across lines, and stops loading
 * at the first broken line while keeping the users read so far; here a broken line fails the whole
 * load with its {@code file:line}, so a reload never half-applies.
 */
public final class Userlist {

    private static final Logger log = LoggerFactory.getLogger(Userlist.class);

    private final Map<String, Secret> secrets;

    private Userlist(Map<String, Secret> secrets) {
        this.secrets = Collections.unmodifiableMap(secrets);
    }

    /** Reads {@code file} as UTF-8. */
    public static Userlist load(Path file) throws UserlistException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UserlistException("cannot read auth file " + file + ": " + e, e);
        }
        return parse(text, file.toString());
    }

    /** Parses userlist text; {@code sourceName} is used in error messages as {@code sourceName:line}. */
    public static Userlist parse(String text, String sourceName) throws UserlistException {
        Map<String, Secret> secrets = new LinkedHashMap<>();
        String[] lines = text.split("\r?\n|\r", -1);
        for (int i = 0; i < lines.length; i++) {
            String where = sourceName + ":" + (i + 1);
            LineReader line = new LineReader(lines[i], where);
            line.skipWhitespace();
            if (line.atEnd() || line.peek() == ';') {
                continue;
            }
            String user = line.readQuoted("user name");
            line.skipWhitespace();
            String stored = line.readQuoted("secret");
            if (Secrets.looksLikeBrokenScram(stored)) {
                log.warn("{}: the secret of user \"{}\" starts with {} but is not a valid verifier;"
                        + " it is taken as a plain-text password, as PgBouncer does", where, user, ScramSecret.PREFIX);
            }
            secrets.put(user, Secrets.parse(stored));
        }
        return new Userlist(secrets);
    }

    public Optional<Secret> find(String user) {
        return Optional.ofNullable(secrets.get(user));
    }

    /** The user names, in file order. */
    public Set<String> users() {
        return secrets.keySet();
    }

    /** A cursor over one line; knows how to read one double-quoted field. */
    private static final class LineReader {
        private final String line;
        private final String where;
        private int pos;

        LineReader(String line, String where) {
            this.line = line;
            this.where = where;
        }

        boolean atEnd() {
            return pos >= line.length();
        }

        char peek() {
            return line.charAt(pos);
        }

        void skipWhitespace() {
            // C isspace() as PgBouncer uses it; line breaks are already gone.
            while (!atEnd() && (peek() == ' ' || peek() == '\t' || peek() == '\f' || peek() == '\u000B')) {
                pos++;
            }
        }

        String readQuoted(String what) throws UserlistException {
            if (atEnd() || peek() != '"') {
                throw new UserlistException(where + ": expected the " + what + " in double quotes");
            }
            pos++;
            StringBuilder value = new StringBuilder();
            while (!atEnd()) {
                char c = line.charAt(pos++);
                if (c != '"') {
                    value.append(c);
                } else if (!atEnd() && peek() == '"') {
                    value.append('"');
                    pos++;
                } else {
                    return value.toString();
                }
            }
            throw new UserlistException(where + ": the " + what + " has no closing double quote");
        }
    }
}

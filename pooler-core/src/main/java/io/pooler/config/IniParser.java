package io.pooler.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Reads PgBouncer's ini dialect line by line and hands each section header and {@code key = value} to a
 * {@link Handler}, with the file and line it came from. It follows libusual's {@code parse_ini_file}:
 * <ul>
 *   <li>lines whose first non-blank character is {@code ;} or {@code #} are comments; the characters mean
 *       nothing later in a line, so values never lose a trailing "comment";</li>
 *   <li>a key is {@code [A-Za-z0-9_.*-]+}, or a quoted name (single quotes as libusual takes them, double
 *       quotes with {@code ""} as PgBouncer's docs describe) for database and user names with other
 *       characters;</li>
 *   <li>values are the rest of the line, trimmed, with no unquoting;</li>
 *   <li>{@code %include FILE} reads another file in place, and the current section carries into and out of
 *       it as in libusual; at most {@value #MAX_INCLUDE_DEPTH} levels deep, as PgBouncer.</li>
 * </ul>
 * Deliberate difference: a relative {@code %include} path is resolved against the including file's
 * directory, not the working directory, so a configuration does not change meaning with where the daemon
 * was started. Include cycles are reported as such instead of as "nesting too deep".
 */
final class IniParser {

    static final int MAX_INCLUDE_DEPTH = 10;
    private static final String INCLUDE = "%include";

    /** Receives what the parser reads; may throw to stop loading at that line. */
    interface Handler {
        void section(SourceLine at, String name) throws ConfigException;

        void entry(SourceLine at, String section, String key, String value) throws ConfigException;
    }

    private final Handler handler;
    /** Real paths of the files being read, outermost first, to spot include cycles. */
    private final Deque<Path> openFiles = new ArrayDeque<>();
    /** The section of the last header seen in any file; {@code null} before the first one. */
    private String section;

    private IniParser(Handler handler) {
        this.handler = handler;
    }

    /** Reads {@code file} and everything it includes. */
    static void parse(Path file, Handler handler) throws ConfigException {
        new IniParser(handler).parseFile(file, null);
    }

    private void parseFile(Path file, SourceLine includedAt) throws ConfigException {
        String text = read(file, includedAt);
        Path identity = realPath(file);
        if (openFiles.contains(identity)) {
            throw new ConfigException(includedAt, "include cycle: " + cycle(identity));
        }
        if (openFiles.size() > MAX_INCLUDE_DEPTH) {
            throw new ConfigException(includedAt, "%include nested more than " + MAX_INCLUDE_DEPTH + " levels deep");
        }
        openFiles.addLast(identity);
        List<String> lines = text.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            parseLine(new SourceLine(file, i + 1), lines.get(i));
        }
        openFiles.removeLast();
    }

    private void parseLine(SourceLine at, String line) throws ConfigException {
        String text = line.strip();
        if (text.isEmpty() || text.startsWith(";") || text.startsWith("#")) {
            return;
        }
        if (text.startsWith(INCLUDE) && (text.length() == INCLUDE.length() || isBlank(text.charAt(INCLUDE.length())))) {
            include(at, text.substring(INCLUDE.length()).strip());
        } else if (text.startsWith("[")) {
            sectionHeader(at, text);
        } else {
            keyValue(at, text);
        }
    }

    private void include(SourceLine at, String name) throws ConfigException {
        if (name.isEmpty()) {
            throw new ConfigException(at, "%include needs a file name");
        }
        Path directory = at.file().toAbsolutePath().getParent();
        parseFile(directory.resolve(name).normalize(), at);
    }

    private void sectionHeader(SourceLine at, String text) throws ConfigException {
        int close = text.indexOf(']');
        if (close < 0) {
            throw new ConfigException(at, "syntax error: section header without \"]\"");
        }
        String rest = text.substring(close + 1).strip();
        if (!rest.isEmpty() && !rest.startsWith(";") && !rest.startsWith("#")) {
            throw new ConfigException(at, "syntax error: unexpected \"" + rest + "\" after section header");
        }
        section = text.substring(1, close).strip();
        handler.section(at, section);
    }

    private void keyValue(SourceLine at, String text) throws ConfigException {
        KeyScan key = scanKey(at, text);
        int pos = key.end();
        while (pos < text.length() && isBlank(text.charAt(pos))) {
            pos++;
        }
        if (pos >= text.length() || text.charAt(pos) != '=') {
            throw new ConfigException(at, "syntax error: expected \"=\" after \"" + key.name() + "\"");
        }
        if (section == null) {
            throw new ConfigException(at, "key \"" + key.name() + "\" is outside any [section]");
        }
        handler.entry(at, section, key.name(), text.substring(pos + 1).strip());
    }

    private record KeyScan(String name, int end) {
    }

    private static KeyScan scanKey(SourceLine at, String text) throws ConfigException {
        char first = text.charAt(0);
        if (first == '"') {
            return scanDoubleQuoted(at, text);
        }
        if (first == '\'') {
            int close = text.indexOf('\'', 1);
            if (close < 0) {
                throw new ConfigException(at, "syntax error: unterminated quoted name");
            }
            return nonEmpty(at, new KeyScan(text.substring(1, close), close + 1));
        }
        int end = 0;
        while (end < text.length() && isKeyChar(text.charAt(end))) {
            end++;
        }
        if (end == 0) {
            throw new ConfigException(at, "syntax error: expected a key, a [section] or a comment");
        }
        return new KeyScan(text.substring(0, end), end);
    }

    /** A double-quoted name, SQL identifier style: {@code ""} stands for one quote. */
    private static KeyScan scanDoubleQuoted(SourceLine at, String text) throws ConfigException {
        StringBuilder name = new StringBuilder();
        int pos = 1;
        while (pos < text.length()) {
            char c = text.charAt(pos++);
            if (c != '"') {
                name.append(c);
            } else if (pos < text.length() && text.charAt(pos) == '"') {
                name.append('"');
                pos++;
            } else {
                return nonEmpty(at, new KeyScan(name.toString(), pos));
            }
        }
        throw new ConfigException(at, "syntax error: unterminated quoted name");
    }

    private static KeyScan nonEmpty(SourceLine at, KeyScan key) throws ConfigException {
        if (key.name().isEmpty()) {
            throw new ConfigException(at, "syntax error: empty quoted name");
        }
        return key;
    }

    private static String read(Path file, SourceLine includedAt) throws ConfigException {
        try {
            String text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
            return text.startsWith("\uFEFF") ? text.substring(1) : text;
        } catch (IOException e) {
            String reason = e instanceof NoSuchFileException ? "no such file" : e.toString();
            if (includedAt == null) {
                throw new ConfigException(file, 0, "cannot read configuration file: " + reason);
            }
            throw new ConfigException(includedAt, "cannot read included file \"" + file + "\": " + reason);
        }
    }

    private static Path realPath(Path file) {
        try {
            return file.toRealPath();
        } catch (IOException e) {
            // Readable a moment ago; if it vanished since, the plain path still identifies it well enough.
            return file.toAbsolutePath().normalize();
        }
    }

    private String cycle(Path repeated) {
        return openFiles.stream()
                .dropWhile(open -> !open.equals(repeated))
                .map(Path::toString)
                .collect(Collectors.joining(" -> ", "", " -> " + repeated));
    }

    private static boolean isKeyChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '_' || c == '.' || c == '-' || c == '*';
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t';
    }
}

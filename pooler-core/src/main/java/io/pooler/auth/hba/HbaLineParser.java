package io.pooler.auth.hba;

import io.pooler.auth.hba.HbaTokenizer.Kind;
import io.pooler.auth.hba.HbaTokenizer.Token;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns the tokens of one line into an {@link HbaRule}, or says (as an IllegalArgumentException
 * message, which {@link HbaFile} prefixes with {@code file:line}) what PgBouncer would not accept.
 */
final class HbaLineParser {
    /** PostgreSQL methods PgBouncer does not implement; named so the error says "not supported", not "unknown". */
    private static final Set<String> UNSUPPORTED_METHODS =
            Set.of("ident", "ldap", "pam", "gss", "sspi", "radius", "bsd", "oauth", "any");
    private static final int MAX_INCLUDE_DEPTH = 10;

    private final List<Token> tokens;
    private final Path file;
    /** The auth_ident_file's maps, or null when none is set. */
    private final IdentMaps identMaps;
    private int pos;

    private HbaLineParser(List<Token> tokens, Path file, IdentMaps identMaps) {
        this.tokens = tokens;
        this.file = file;
        this.identMaps = identMaps;
    }

    /** Null for a blank or comment line. */
    static HbaRule parse(String text, Path file, int line, IdentMaps identMaps) {
        List<Token> tokens = HbaTokenizer.tokenize(text);
        if (tokens.isEmpty()) {
            return null;
        }
        return new HbaLineParser(tokens, file, identMaps).rule(line);
    }

    private HbaRule rule(int line) {
        Token typeToken = next("connection type");
        HbaConnectionType type = typeToken.kind() == Kind.WORD ? HbaConnectionType.byName(typeToken.text()) : null;
        if (type == null) {
            throw new IllegalArgumentException("invalid connection type \"" + typeToken.text() + "\""
                    + (typeToken.text().startsWith("hostgss") ? " (GSSAPI encryption is not supported)" : ""));
        }
        NameList databases = names(true);
        NameList users = names(false);
        AddressRange address = type == HbaConnectionType.LOCAL ? null : address();
        HbaMethod method = method();
        String identMap = pos < tokens.size() ? identMap(tokens.get(pos++)) : null;
        if (pos < tokens.size()) {
            throw new IllegalArgumentException(option(tokens.get(pos)));
        }
        if (method == HbaMethod.CERT && type != HbaConnectionType.HOSTSSL) {
            throw new IllegalArgumentException("cert authentication is only supported on hostssl connections");
        }
        if (method == HbaMethod.PEER && type != HbaConnectionType.LOCAL) {
            throw new IllegalArgumentException("peer authentication is only supported on local sockets");
        }
        return new HbaRule(type, databases, users, address, method, identMap, file, line);
    }

    private NameList names(boolean databaseColumn) {
        String column = databaseColumn ? "database name" : "user name";
        NameCollector names = new NameCollector(databaseColumn);
        while (true) {
            names.add(next(column), file, 0);
            if (pos < tokens.size() && tokens.get(pos).kind() == Kind.COMMA) {
                pos++;
            } else {
                return names.build();
            }
        }
    }

    private AddressRange address() {
        Token token = next("IP address");
        if (token.kind() != Kind.WORD) {
            throw new IllegalArgumentException("invalid IP address " + token.text());
        }
        String text = token.text();
        if (text.equals("all")) {
            return AddressRange.ALL;
        }
        if (text.equals("samehost") || text.equals("samenet")) {
            throw new IllegalArgumentException("address keyword \"" + text + "\" is not supported");
        }
        int slash = text.indexOf('/');
        if (slash >= 0) {
            return AddressRange.cidr(text.substring(0, slash), text.substring(slash + 1));
        }
        AddressRange.checkAddress(text);
        Token mask = next("IP mask after address \"" + text + "\" (or use CIDR notation)");
        return AddressRange.withMask(text, mask.text());
    }

    private HbaMethod method() {
        Token token = next("authentication method");
        String word = token.text();
        if (token.kind() == Kind.WORD) {
            var method = HbaMethod.byName(word);
            if (method.isPresent()) {
                return method.get();
            }
            if (UNSUPPORTED_METHODS.contains(word)) {
                throw new IllegalArgumentException("authentication method \"" + word + "\" is not supported");
            }
        }
        throw new IllegalArgumentException("invalid authentication method \"" + word + "\"");
    }

    /** {@code map=NAME}, PgBouncer's only option: NAME must be a map of auth_ident_file. */
    private String identMap(Token token) {
        if (token.kind() != Kind.WORD || !token.text().startsWith("map=")) {
            throw new IllegalArgumentException(option(token));
        }
        String name = token.text().substring("map=".length());
        if (name.isEmpty()) {
            throw new IllegalArgumentException("empty map name in \"map=\"");
        }
        if (identMaps == null) {
            throw new IllegalArgumentException("map=" + name + " needs auth_ident_file");
        }
        if (!identMaps.hasMap(name)) {
            throw new IllegalArgumentException("ident map \"" + name + "\" is not in " + identMaps.file());
        }
        return name;
    }

    private static String option(Token token) {
        return "unsupported authentication option \"" + token.text() + "\"";
    }

    private Token next(String what) {
        if (pos >= tokens.size()) {
            throw new IllegalArgumentException("end-of-line before " + what);
        }
        Token token = tokens.get(pos++);
        if (token.kind() == Kind.COMMA) {
            throw new IllegalArgumentException("unexpected \",\" where a " + what + " belongs");
        }
        return token;
    }

    /** Accumulates one column's names and keywords, following {@code @file} inclusions. */
    private static final class NameCollector {
        private final boolean databaseColumn;
        private final Set<String> names = new LinkedHashSet<>();
        private boolean all;
        private boolean sameUser;
        private boolean replication;

        NameCollector(boolean databaseColumn) {
            this.databaseColumn = databaseColumn;
        }

        void add(Token token, Path file, int depth) {
            String text = token.text();
            if (token.kind() == Kind.QUOTED) {
                names.add(text);
            } else if (text.equals("all")) {
                all = true;
            } else if (databaseColumn && text.equals("sameuser")) {
                sameUser = true;
            } else if (databaseColumn && text.equals("replication")) {
                replication = true;
            } else if (databaseColumn && (text.equals("samerole") || text.equals("samegroup"))) {
                throw new IllegalArgumentException("database keyword \"" + text + "\" is not supported");
            } else if (!databaseColumn && text.startsWith("+")) {
                throw new IllegalArgumentException("group membership (\"" + text + "\") is not supported");
            } else if (text.startsWith("@")) {
                include(file.resolveSibling(text.substring(1)), depth);
            } else if (text.startsWith("/")) {
                throw new IllegalArgumentException("regular expressions (\"" + text + "\") are not supported");
            } else {
                names.add(text);
            }
        }

        /** An {@code @file}: names separated by commas or white space, relative to the including file. */
        private void include(Path included, int depth) {
            if (depth >= MAX_INCLUDE_DEPTH) {
                throw new IllegalArgumentException("@file inclusion nested more than " + MAX_INCLUDE_DEPTH + " deep");
            }
            List<String> lines;
            try {
                lines = Files.readAllLines(included, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IllegalArgumentException("could not read included file \"" + included + "\": " + e.getMessage());
            }
            for (String line : lines) {
                for (Token token : HbaTokenizer.tokenize(line)) {
                    if (token.kind() != Kind.COMMA) {
                        add(token, included, depth + 1);
                    }
                }
            }
        }

        NameList build() {
            return new NameList(all, sameUser, replication, names);
        }
    }
}

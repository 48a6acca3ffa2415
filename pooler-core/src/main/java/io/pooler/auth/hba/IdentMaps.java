package io.pooler.auth.hba;

import io.pooler.auth.hba.HbaTokenizer.Kind;
import io.pooler.auth.hba.HbaTokenizer.Token;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The user name maps of an {@code auth_ident_file}, as PgBouncer 1.23+ reads them: lines of
 * {@code map-name system-username database-username}, where the database user name may be {@code all};
 * no regular expressions, no {@code +group}, no inclusions. A {@code map=} option on an HBA line names one
 * of these maps; a {@code peer} or {@code cert} login through that line is allowed when some line of the
 * map pairs the system name (the peer's Unix user, the certificate's CommonName) with the requested user.
 *
 * <p>Stricter than PgBouncer on purpose, as {@link HbaFile}: a line PgBouncer would skip with a warning
 * fails the load with its {@code file:line}. Immutable.
 */
public final class IdentMaps {
    private record Mapping(String systemUser, String databaseUser) {
        /** {@code null} databaseUser stands for {@code all}. */
        boolean permits(String system, String database) {
            return systemUser.equals(system) && (databaseUser == null || databaseUser.equals(database));
        }
    }

    private final Path file;
    private final Map<String, List<Mapping>> maps;

    private IdentMaps(Path file, Map<String, List<Mapping>> maps) {
        this.file = file;
        this.maps = maps;
    }

    /** Reads and parses {@code file} (UTF-8). */
    public static IdentMaps load(Path file) throws HbaException {
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8), file);
        } catch (IOException e) {
            throw new HbaException("cannot read ident map file " + file + ": " + e, e);
        }
    }

    public static IdentMaps parse(String text, Path file) throws HbaException {
        Map<String, List<Mapping>> maps = new LinkedHashMap<>();
        String[] lines = text.split("\r?\n|\r", -1);
        for (int i = 0; i < lines.length; i++) {
            List<Token> tokens = HbaTokenizer.tokenize(lines[i]);
            if (tokens.isEmpty()) {
                continue;
            }
            if (tokens.size() != 3 || tokens.stream().anyMatch(t -> t.kind() == Kind.COMMA)) {
                throw new HbaException(file + ":" + (i + 1)
                        + ": expected \"map-name system-username database-username\"", null);
            }
            String system = tokens.get(1).text();
            Token database = tokens.get(2);
            if (tokens.get(1).kind() == Kind.WORD && system.startsWith("/")) {
                throw new HbaException(file + ":" + (i + 1) + ": regular expressions are not supported", null);
            }
            if (database.kind() == Kind.WORD && database.text().startsWith("+")) {
                throw new HbaException(file + ":" + (i + 1) + ": group names (+group) are not supported", null);
            }
            String databaseUser = database.isWord("all") ? null : database.text();
            maps.computeIfAbsent(tokens.get(0).text(), name -> new ArrayList<>()).add(new Mapping(system, databaseUser));
        }
        maps.replaceAll((name, list) -> List.copyOf(list));
        return new IdentMaps(file, Map.copyOf(maps));
    }

    public boolean hasMap(String name) {
        return maps.containsKey(name);
    }

    /** Whether map {@code name} lets the system user {@code systemUser} log in as {@code databaseUser}. */
    public boolean permits(String name, String systemUser, String databaseUser) {
        return maps.getOrDefault(name, List.of()).stream().anyMatch(m -> m.permits(systemUser, databaseUser));
    }

    public Path file() {
        return file;
    }
}

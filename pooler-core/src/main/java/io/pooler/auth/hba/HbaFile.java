package io.pooler.auth.hba;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The rules of an {@code auth_hba_file}, in file order. Immutable; a reload reads a new one.
 *
 * <p>Syntax and coverage follow PgBouncer 1.25: types {@code local}, {@code host}, {@code hostssl},
 * {@code hostnossl}; database column {@code all}, {@code sameuser}, {@code replication}, {@code @file}
 * and comma lists; user column {@code all}, {@code @file} and comma lists ({@code +group} is refused,
 * as PgBouncer does); addresses IPv4/IPv6 with a CIDR length or a mask, or {@code all}; methods
 * {@code trust}, {@code reject}, {@code md5}, {@code password}, {@code scram-sha-256}, {@code cert},
 * {@code peer}.
 *
 * <p>Stricter than PgBouncer on purpose: PgBouncer logs a line it cannot parse and skips it, which can
 * silently drop a {@code reject} line and let the next, looser line match. Here any such line fails the
 * whole load with its {@code file:line}, so startup stops and a reload keeps the running rules.
 */
public final class HbaFile {
    private final Path file;
    private final List<HbaRule> rules;
    /** auth_ident_file's maps, for the lines with {@code map=}; null when none is set. */
    private final IdentMaps identMaps;

    private HbaFile(Path file, List<HbaRule> rules, IdentMaps identMaps) {
        this.file = file;
        this.rules = List.copyOf(rules);
        this.identMaps = identMaps;
    }

    /** Reads and parses {@code file} (UTF-8). */
    public static HbaFile load(Path file) throws HbaException {
        return load(file, null);
    }

    /** Reads and parses {@code file} (UTF-8); {@code map=} options name maps of {@code identMaps}, if any. */
    public static HbaFile load(Path file, IdentMaps identMaps) throws HbaException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new HbaException("cannot read HBA file " + file + ": " + e, e);
        }
        return parse(text, file, identMaps);
    }

    /** Parses HBA text; {@code file} names it in errors and resolves {@code @file} inclusions. */
    public static HbaFile parse(String text, Path file) throws HbaException {
        return parse(text, file, null);
    }

    public static HbaFile parse(String text, Path file, IdentMaps identMaps) throws HbaException {
        List<HbaRule> rules = new ArrayList<>();
        String[] lines = text.split("\r?\n|\r", -1);
        for (int i = 0; i < lines.length; i++) {
            try {
                HbaRule rule = HbaLineParser.parse(lines[i], file, i + 1, identMaps);
                if (rule != null) {
                    rules.add(rule);
                }
            } catch (IllegalArgumentException e) {
                throw new HbaException(file + ":" + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        return new HbaFile(file, rules, identMaps);
    }

    /** The first rule that covers {@code request}; empty when none does (the connection is then refused). */
    public Optional<HbaRule> match(HbaRequest request) {
        for (HbaRule rule : rules) {
            if (rule.matches(request)) {
                return Optional.of(rule);
            }
        }
        return Optional.empty();
    }

    /**
     * Whether a peer or cert login through {@code rule} may use {@code systemUser} (the peer's Unix user,
     * the certificate's CommonName) for {@code databaseUser}: by the rule's ident map when it has one,
     * else only when both are the same, as PgBouncer's {@code login_as_unix_peer} and cert login.
     */
    public boolean systemUserMayLogIn(HbaRule rule, String systemUser, String databaseUser) {
        return rule.identMap().map(map -> identMaps.permits(map, systemUser, databaseUser))
                .orElse(systemUser.equals(databaseUser));
    }

    public List<HbaRule> rules() {
        return rules;
    }

    public Path file() {
        return file;
    }
}

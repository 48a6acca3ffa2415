package io.pooler.auth.hba;

import java.nio.file.Path;

/** One line of the HBA file: which connections it covers, and the method they must use. Immutable. */
public final class HbaRule {
    private final HbaConnectionType type;
    private final NameList databases;
    private final NameList users;
    /** Null on {@code local} lines. */
    private final AddressRange address;
    private final HbaMethod method;
    /** The {@code map=} of the line, a map of auth_ident_file; null when the line has none. */
    private final String identMap;
    private final Path file;
    private final int line;

    HbaRule(HbaConnectionType type, NameList databases, NameList users, AddressRange address, HbaMethod method,
            String identMap, Path file, int line) {
        this.identMap = identMap;
        this.type = type;
        this.databases = databases;
        this.users = users;
        this.address = address;
        this.method = method;
        this.file = file;
        this.line = line;
    }

    public HbaConnectionType type() {
        return type;
    }

    public HbaMethod method() {
        return method;
    }

    /** The ident map that peer and cert logins through this line go by; empty: the names must be equal. */
    public java.util.Optional<String> identMap() {
        return java.util.Optional.ofNullable(identMap);
    }

    /** Where the rule was written, as {@code file:line}, for log lines. */
    public String location() {
        return file + ":" + line;
    }

    /** Whether this line applies to {@code request}; the first line that does decides. */
    boolean matches(HbaRequest request) {
        if (request.isLocal()) {
            if (type != HbaConnectionType.LOCAL) {
                return false;
            }
        } else if (type == HbaConnectionType.LOCAL
                || (type == HbaConnectionType.HOSTSSL && !request.tls())
                || (type == HbaConnectionType.HOSTNOSSL && request.tls())
                || !address.matches(request.address().orElseThrow())) {
            return false;
        }
        return databases.matchesDatabase(request.database(), request.user(), request.replication())
                && users.matchesUser(request.user());
    }

    @Override
    public String toString() {
        return location() + " " + type.configName() + " " + method.configName();
    }
}

package io.pooler.server.backend;

import io.pooler.auth.Secret;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What clients taught us about their credentials, kept in memory only, for logging in to PostgreSQL
 * as them: the SCRAM ClientKey recovered from a successful SCRAM exchange (PgBouncer's pass-through,
 * which works when the userlist verifier equals the one PostgreSQL stores), or the cleartext password
 * a client sent under auth_type plain, and the secrets auth_query looked up.
 */
public final class PassThroughCredentials {
    /** The keys a SCRAM client needs instead of the password. */
    public record ScramKeys(byte[] clientKey, byte[] serverKey) {
        @Override
        public String toString() {
            return "ScramKeys[***]";
        }
    }

    private final ConcurrentHashMap<String, ScramKeys> scramKeys = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, String> passwords = new ConcurrentHashMap<>();
    /** Secrets auth_query found, by database entry name and user: databases may live on different clusters. */
    private final ConcurrentHashMap<List<String>, Secret> queried = new ConcurrentHashMap<>();

    public void rememberScramKeys(String user, byte[] clientKey, byte[] serverKey) {
        scramKeys.put(user, new ScramKeys(clientKey.clone(), serverKey.clone()));
    }

    public void rememberPassword(String user, String password) {
        passwords.put(user, password);
    }

    /** What auth_query returned for {@code user} in {@code database}, for logging in to that database's server. */
    public void rememberQueriedSecret(String database, String user, Secret secret) {
        queried.put(List.of(database, user), secret);
    }

    public Optional<Secret> queriedSecret(String database, String user) {
        return Optional.ofNullable(queried.get(List.of(database, user)));
    }

    public Optional<ScramKeys> scramKeys(String user) {
        return Optional.ofNullable(scramKeys.get(user));
    }

    public Optional<String> password(String user) {
        return Optional.ofNullable(passwords.get(user));
    }

    /** A reload changed the auth file: what was learnt under the old secrets may no longer hold. */
    public void clear() {
        scramKeys.clear();
        passwords.clear();
        queried.clear();
    }
}

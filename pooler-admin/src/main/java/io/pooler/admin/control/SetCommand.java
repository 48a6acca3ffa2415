package io.pooler.admin.control;

import io.pooler.admin.AdminErrors;
import io.pooler.admin.AdminRequest;
import io.pooler.admin.wire.Response;
import io.pooler.config.ConfigKey;
import io.pooler.config.KeyRegistry;
import io.pooler.protocol.ErrorResponse;
import io.pooler.protocol.SqlState;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * SET key = value: changes a setting of the running pooler, for the keys a reload may change (SHOW CONFIG's
 * changeable column). Like a reload it applies to new logins and connections; the next RELOAD reads the
 * file again.
 */
public final class SetCommand {
    private SetCommand() {
    }

    public static CompletionStage<Response> run(AdminRequest request, String key, String value) {
        if (!request.adminUser()) {
            return CompletableFuture.completedFuture(AdminErrors.adminNeeded());
        }
        Optional<ConfigKey> known = KeyRegistry.pgbouncerKey(key);
        if (known.isEmpty()) {
            return failed("unknown configuration key \"" + key + "\"");
        }
        if (!known.get().changeable()) {
            return failed("\"" + known.get().name() + "\" cannot be changed online");
        }
        try {
            request.backend().set(known.get().name(), value);
        } catch (IllegalArgumentException e) {
            return failed(e.getMessage());
        }
        String tag = "SET " + key + "=" + value;
        if (isTlsKey(known.get().name())) {
            // As PgBouncer's admin_set: the TLS contexts are built again; a failure keeps the old ones.
            return request.backend().applyTlsSettings().thenApply(applied -> applied ? Response.done(tag)
                    : Response.noticeThenDone(ErrorResponse.of("NOTICE", SqlState.CONFIG_FILE_ERROR,
                            TLS_NOT_APPLIED), tag));
        }
        return CompletableFuture.completedFuture(Response.done(tag));
    }

    static final String TLS_NOT_APPLIED = "TLS settings could not be applied, still using old configuration";

    private static boolean isTlsKey(String key) {
        return key.contains("_tls_") || key.contains("_tls13_");
    }

    private static CompletionStage<Response> failed(String reason) {
        return CompletableFuture.completedFuture(Response.error(AdminErrors.INVALID_PARAMETER, "SET failed: " + reason));
    }
}

package io.pooler.admin.control;

import io.pooler.admin.AdminCommand;
import io.pooler.admin.AdminErrors;
import io.pooler.admin.AdminRequest;
import io.pooler.admin.wire.Response;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** A command that changes something: admin users only, with PgBouncer's checks and wording. */
abstract class ControlCommand implements AdminCommand {
    static final String CONSOLE = "pgbouncer";

    @Override
    public final CompletionStage<Response> run(AdminRequest request) {
        if (!request.adminUser()) {
            return done(AdminErrors.adminNeeded());
        }
        return control(request);
    }

    protected abstract CompletionStage<Response> control(AdminRequest request);

    static CompletionStage<Response> done(Response response) {
        return CompletableFuture.completedFuture(response);
    }

    static CompletionStage<Response> ready(String tag) {
        return done(Response.done(tag));
    }

    /**
     * Checks the database argument: it must name a database, and not the console's.
     *
     * @param what the verb of PgBouncer's refusal: "cannot {what} admin db"
     * @return the error to answer, or empty when the argument is fine
     */
    static Optional<Response> checkDatabase(AdminRequest request, String what) {
        String db = request.argument();
        if (db.equals(CONSOLE)) {
            return Optional.of(AdminErrors.wrongState("cannot " + what + " admin db: " + db));
        }
        if (request.backend().config().findDatabase(db).isEmpty()) {
            return Optional.of(AdminErrors.noSuchDatabase(db));
        }
        return Optional.empty();
    }

    /** The answer once {@code work} completes. */
    static CompletionStage<Response> whenDone(CompletionStage<Void> work, String tag) {
        return work.thenApply(ignored -> Response.done(tag));
    }
}

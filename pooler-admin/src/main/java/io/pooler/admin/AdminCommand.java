package io.pooler.admin;

import io.pooler.admin.wire.Response;

import java.util.concurrent.CompletionStage;

/** One console command. Most answer at once; PAUSE, SUSPEND and WAIT_CLOSE answer when done. */
@FunctionalInterface
public interface AdminCommand {
    CompletionStage<Response> run(AdminRequest request);

    /**
     * Whether the command reads {@link AdminBackend#clients()}, the row of every client: the console
     * builds those rows on the loops only for such commands, since with thousands of clients that took
     * each loop milliseconds for every SHOW, SHOW VERSION included. The others count clients from
     * {@link AdminBackend#pools()} and {@link AdminBackend#consoles()}.
     */
    default boolean listsClients() {
        return false;
    }
}

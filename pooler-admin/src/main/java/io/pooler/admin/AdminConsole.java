package io.pooler.admin;

import io.pooler.admin.control.Disable;
import io.pooler.admin.control.Kill;
import io.pooler.admin.control.KillClient;
import io.pooler.admin.control.Pause;
import io.pooler.admin.control.Reconnect;
import io.pooler.admin.control.Reload;
import io.pooler.admin.control.Resume;
import io.pooler.admin.control.SetCommand;
import io.pooler.admin.control.Shutdown;
import io.pooler.admin.control.Suspend;
import io.pooler.admin.control.WaitClose;
import io.pooler.admin.show.ShowDnsHosts;
import io.pooler.admin.show.ShowDnsZones;
import io.pooler.admin.show.ShowPeerPools;
import io.pooler.admin.show.ShowPeers;
import io.pooler.admin.show.ShowAdvice;
import io.pooler.admin.show.FakeParameters;
import io.pooler.admin.show.ShowConfig;
import io.pooler.admin.show.ShowDatabases;
import io.pooler.admin.show.ShowFds;
import io.pooler.admin.show.ShowHelp;
import io.pooler.admin.show.ShowLists;
import io.pooler.admin.show.ShowListeners;
import io.pooler.admin.show.ShowMem;
import io.pooler.admin.show.ShowPools;
import io.pooler.admin.show.ShowSockets;
import io.pooler.admin.show.ShowState;
import io.pooler.admin.show.ShowStats;
import io.pooler.admin.show.ShowStatsAverages;
import io.pooler.admin.show.ShowStatsTotals;
import io.pooler.admin.show.ShowTotals;
import io.pooler.admin.show.ShowUsers;
import io.pooler.admin.show.ShowVersion;
import io.pooler.admin.wire.Response;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The admin console's command table: parses a query, checks it is a command the session may run and runs
 * it. Stateless; one instance serves every console connection.
 */
public final class AdminConsole {
    private static final Map<String, AdminCommand> SHOW = Map.ofEntries(
            Map.entry("help", new ShowHelp()),
            Map.entry("advice", new ShowAdvice()),
            Map.entry("version", new ShowVersion()),
            Map.entry("config", new ShowConfig()),
            Map.entry("databases", new ShowDatabases()),
            Map.entry("pools", new ShowPools()),
            Map.entry("clients", ShowSockets.clients()),
            Map.entry("servers", ShowSockets.servers()),
            Map.entry("sockets", ShowSockets.sockets()),
            Map.entry("active_sockets", ShowSockets.activeSockets()),
            Map.entry("stats", new ShowStats()),
            Map.entry("stats_totals", new ShowStatsTotals()),
            Map.entry("stats_averages", new ShowStatsAverages()),
            Map.entry("totals", new ShowTotals()),
            Map.entry("users", new ShowUsers()),
            Map.entry("lists", new ShowLists()),
            Map.entry("mem", new ShowMem()),
            Map.entry("fds", new ShowFds()),
            Map.entry("state", new ShowState()),
            Map.entry("dns_hosts", new ShowDnsHosts()),
            Map.entry("dns_zones", new ShowDnsZones()),
            Map.entry("peers", new ShowPeers()),
            Map.entry("listeners", new ShowListeners()),
            Map.entry("peer_pools", new ShowPeerPools()));

    private static final Map<String, AdminCommand> CONTROL = Map.ofEntries(
            Map.entry("pause", new Pause()),
            Map.entry("resume", new Resume()),
            Map.entry("suspend", new Suspend()),
            Map.entry("disable", Disable.disable()),
            Map.entry("enable", Disable.enable()),
            Map.entry("reconnect", new Reconnect()),
            Map.entry("kill", new Kill()),
            Map.entry("kill_client", new KillClient()),
            Map.entry("shutdown", new Shutdown()),
            Map.entry("reload", new Reload()),
            Map.entry("wait_close", new WaitClose()));

    /** Commands that take no argument: one given makes the query invalid, as in PgBouncer. */
    private static final java.util.Set<String> NO_ARGUMENT = java.util.Set.of("reload", "suspend");

    /**
     * Runs one query of a console session.
     *
     * @param adminUser whether the session's user is in admin_users (else it is a stats user)
     */
    public CompletionStage<Response> execute(AdminBackend backend, boolean adminUser, String query) {
        AdminCommandParser.Parsed parsed = AdminCommandParser.parse(query);
        if (parsed instanceof AdminCommandParser.Command c) {
            return command(backend, adminUser, query, c.word().toLowerCase(Locale.ROOT), c.argument());
        }
        if (parsed instanceof AdminCommandParser.Set s) {
            Optional<Response> fake = FakeParameters.set(s.key());
            if (fake.isPresent()) {
                return done(fake.get());
            }
            return SetCommand.run(new AdminRequest(backend, adminUser, ""), s.key(), s.value());
        }
        if (parsed instanceof AdminCommandParser.BadArguments) {
            return done(AdminErrors.badArguments());
        }
        return done(AdminErrors.invalidCommand(query));
    }

    /**
     * Whether running {@code query} reads every client's row ({@link AdminCommand#listsClients()}), so
     * that the caller collects them first; false for what is not a command, which reads nothing.
     */
    public boolean listsClients(String query) {
        if (AdminCommandParser.parse(query) instanceof AdminCommandParser.Command c) {
            String word = c.word().toLowerCase(Locale.ROOT);
            AdminCommand command = word.equals("show") || word.equals("select")
                    ? SHOW.get(c.argument().toLowerCase(Locale.ROOT)) : CONTROL.get(word);
            return command != null && command.listsClients();
        }
        return false;
    }

    private CompletionStage<Response> command(AdminBackend backend, boolean adminUser, String query, String word,
                                              String argument) {
        if (word.equals("show") || word.equals("select")) {
            Optional<Response> fake = FakeParameters.show(argument);
            if (fake.isPresent()) {
                return done(fake.get());
            }
            AdminCommand show = SHOW.get(argument.toLowerCase(Locale.ROOT));
            return show == null ? done(AdminErrors.invalidCommand(query))
                    : show.run(new AdminRequest(backend, adminUser, ""));
        }
        AdminCommand control = CONTROL.get(word);
        if (control == null
                || (NO_ARGUMENT.contains(word) && !argument.isEmpty())
                || (word.equals("shutdown") && Shutdown.mode(argument) == null)) {
            return done(AdminErrors.invalidCommand(query));
        }
        return control.run(new AdminRequest(backend, adminUser, argument));
    }

    private static CompletionStage<Response> done(Response response) {
        return CompletableFuture.completedFuture(response);
    }
}

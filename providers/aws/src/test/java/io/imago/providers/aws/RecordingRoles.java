package io.imago.providers.aws;

import java.util.ArrayList;
import java.util.List;

/** Stands in for {@link JdbcRoles}: moto's RDS endpoints have no server behind them, so nothing may connect to one. */
final class RecordingRoles implements DatabaseRoles {
    final List<String> prepared = new ArrayList<>();

    @Override
    public synchronized void prepare(String host, int port, DbSecret secret) {
        prepared.add(host + ":" + port + " " + secret.username() + "/" + secret.appUsername() + "/" + secret.readerUsername());
    }
}

package io.imago.cli;

/** {@code --pricing} of plan and apply: where the cost estimate's prices come from. */
enum Pricing {
    /** The provider's bundled, dated price catalog: no network, no credentials. */
    catalog,
    /** The provider's price service (AWS: the Price List API), kept for a day under the state folder; fails rather than fall back. */
    live;

    static final String DESCRIPTION = "Where the cost estimate's prices come from: catalog (default: the provider's bundled, dated "
            + "catalog; no network, no credentials) or live (AWS: the Price List API, with the account's credentials; kept under "
            + "the state folder for 24 h; the plan fails, suggesting catalog, when they cannot be fetched).";
}

"""The simulator half of the sandbox: an HTTP server answering like the Genesys Cloud,
Predictive Engagement and Salesforce APIs from a generated tenant's files.

``sandbox.simulator.server.SandboxServer`` serves a directory written by the generator;
the simulator reads those files only (live mode borrows the generator's campaign catalogue).
"""

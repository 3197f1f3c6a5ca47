#!/usr/bin/python3
"""Helpers of tests/placement.sh: nova's own code against a real Placement.

Run with Debian's /usr/bin/python3 (python3-nova, python3-placement). Every
step is the code nova runs for it, talking HTTP to the Placement service
at URL (noauth2: the token 'admin'):

  compute URL NAME=DIR...
      For each host NAME in turn, nova-compute starting there with
      [compute] provider_config_location = DIR: its ResourceTracker loads
      DIR/*.yaml with nova.compute.provider_config (the schema, trait
      names, duplicate providers), then _update_to_placement creates the
      compute node's resource provider, the virt driver (nova's fake
      driver: VCPU, MEMORY_MB and DISK_GB inventory) reports it,
      _merge_provider_configs adds the file's traits to $COMPUTE_NODE, and
      the report client writes it all to Placement. Each host has its own
      tracker and report client, as its own nova-compute process would.
      Prints "host NAME UUID" and then "trait NAME TRAIT" for each
      CUSTOM_ABIPIN_ trait Placement has for it. A NAME given again, here
      or in a later run, is a restart of that host's nova-compute: the
      same compute node, fresh process state.
  schedule URL PROVIDERS SPECS...
      For each SPECS file (lines 'trait:NAME=required', as 'abipin pin
      --require-labels=nova' prints them), what nova does with a flavor
      that has them: nova-api's extra spec validation (the request schema
      and the extra spec validators of microversion 2.86), then the
      scheduler's ResourceRequest.from_request_spec and the report client's
      GET /allocation_candidates. PROVIDERS: compute's output. Prints
      "SPECS NAME..." per file: the hosts Placement offers; or "SPECS
      unknown-traits:TRAIT,..." where Placement refused the request for
      traits it does not know (no host has them; nova-scheduler logs
      Placement's 400 and finds no valid host).
  validate-specs SPECS
      nova-api's validation of the extra specs alone; exit 1 with nova's
      message if it refuses one.

A refusal by nova or Placement ends the helper with exit 1 and their own
message on stderr, naming the file, the trait or the request.
"""
import nova.monkey_patch  # noqa: F401  first, as in every nova service: eventlet

import sys
import uuid

from keystoneauth1 import adapter, exceptions as ks_exceptions, session, token_endpoint

import nova.conf
from nova import context as nova_context, exception, objects
from nova.api.openstack.compute.schemas import flavors_extraspecs
from nova.api.validation import extra_specs as _extra_specs  # noqa: F401
from nova.api.validation.extra_specs import validators as spec_validators
from nova.api.validation import validators as api_validators
from nova.compute import resource_tracker
from nova.scheduler import utils as scheduler_utils
from nova.scheduler.client import report
from nova.virt import fake

CONF = nova.conf.CONF
CONF([], project="nova", default_config_files=[])
objects.register_all()
# a stable node per host name: a restart finds its provider again
NODE_NS = uuid.UUID("4d9c6bb0-7b0e-4d47-9a55-5ab1b1e0a28d")


def die(msg):
    print("placement.py: " + msg, file=sys.stderr)
    sys.exit(1)


def report_client(url):
    """The report client nova-compute and nova-scheduler use, with a
    keystoneauth adapter for noauth2 (the token 'admin', the fixed URL)."""
    sess = session.Session(auth=token_endpoint.Token(url, "admin"))
    # raise_exc=False: nova's own adapter (openstacksdk's) returns every
    # response; the report client reads the status codes itself
    ad = adapter.Adapter(sess, service_type="placement", interface="public",
                         endpoint_override=url, raise_exc=False)
    return report.SchedulerReportClient(adapter=ad)


def compute(url, name, config_dir):
    CONF.set_override("provider_config_location", config_dir, group="compute")
    client = report_client(url)
    ctx = nova_context.get_admin_context()
    driver = fake.FakeDriver(None)
    # no SmartNIC ports: that trait would ask the PCI tracker
    driver.capabilities = dict(driver.capabilities, supports_remote_managed_ports=False)
    driver.init_host(name)
    try:
        rt = resource_tracker.ResourceTracker(name, driver, reportclient=client)
    except exception.ProviderConfigException as e:
        die("nova-compute on %s refuses to start: %s" % (name, e))
    # No nova database here: the compute service record that would say
    # whether the service is disabled (COMPUTE_STATUS_DISABLED) is enabled.
    rt._sync_compute_service_disabled_trait = lambda context, traits: None
    node = objects.ComputeNode(uuid=str(uuid.uuid5(NODE_NS, name)), hypervisor_hostname=name)
    try:
        rt._update_to_placement(ctx, node, startup=True)
    except (ValueError, exception.NovaException, ks_exceptions.ClientException) as e:
        die("nova-compute on %s could not report to Placement: %s" % (name, e))
    print("host", name, node.uuid)
    for t in sorted(client.get_provider_traits(ctx, node.uuid).traits):
        if t.startswith("CUSTOM_ABIPIN_"):
            print("trait", name, t)


def read_specs(path):
    specs = {}
    for line in open(path).read().splitlines():
        key, sep, value = line.partition("=")
        if not sep or key in specs:
            die("%s: not one extra spec a line: %r" % (path, line))
        specs[key] = value
    return specs


def validate_specs(path, specs):
    """nova-api's checks of PUT/POST /flavors/{id}/os-extra_specs."""
    try:
        api_validators._SchemaValidator(flavors_extraspecs.create).validate({"extra_specs": specs})
        for key, value in specs.items():
            spec_validators.validate(key, value)
    except exception.ValidationError as e:
        die("%s: nova-api refuses the flavor extra specs: %s" % (path, e))


def schedule(url, providers_file, spec_files):
    names = {}
    for line in open(providers_file).read().splitlines():
        if line.startswith("host "):
            _host, name, rp_uuid = line.split()
            names[rp_uuid] = name
    client = report_client(url)
    ctx = nova_context.get_admin_context()
    for path in spec_files:
        specs = read_specs(path)
        validate_specs(path, specs)
        flavor = objects.Flavor(name="m1.pinned", flavorid="1", vcpus=1, memory_mb=512, root_gb=1,
                                ephemeral_gb=0, swap=0, extra_specs=specs)
        spec = objects.RequestSpec(flavor=flavor, is_bfv=False,
                                   image=objects.ImageMeta(properties=objects.ImageMetaProps()))
        request = scheduler_utils.ResourceRequest.from_request_spec(spec)
        want = sorted(k[len("trait:"):] for k in specs)
        if sorted(request.all_required_traits) != want:
            die("%s: nova's request requires %s, not the flavor's traits" %
                (path, sorted(request.all_required_traits)))
        allocation_requests, summaries, _version = client.get_allocation_candidates(ctx, request)
        if allocation_requests is None:
            # Placement answers 400 for a trait it does not know (no host
            # ever reported it); nova's scheduler then finds no valid host
            unknown = unknown_traits(client, want)
            if not unknown:
                die("%s: Placement refused GET /allocation_candidates?%s" %
                    (path, request.to_querystring()))
            print(" ".join([path, "unknown-traits:" + ",".join(unknown)]))
            continue
        offered = sorted(names.get(u, "unknown-provider-" + u) for u in summaries)
        print(" ".join([path] + offered))


def unknown_traits(client, traits):
    """The traits Placement does not have (GET /traits, microversion 1.6)."""
    resp = client.get("/traits?name=in:" + ",".join(traits), version="1.6")
    if resp.status_code != 200:
        die("GET /traits: %d %s" % (resp.status_code, resp.text))
    return sorted(set(traits) - set(resp.json()["traits"]))


def main(argv):
    if len(argv) >= 3 and argv[0] == "compute":
        for host in argv[2:]:
            name, _sep, config_dir = host.partition("=")
            compute(argv[1], name, config_dir)
    elif len(argv) >= 3 and argv[0] == "schedule":
        schedule(argv[1], argv[2], argv[3:])
    elif len(argv) == 2 and argv[0] == "validate-specs":
        validate_specs(argv[1], read_specs(argv[1]))
    else:
        die("usage: see the docstring")


if __name__ == "__main__":
    main(sys.argv[1:])

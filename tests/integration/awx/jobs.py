"""An AWX job without AWX: what the controller hands ansible-runner, built from the collection's own AWX files.

* The credential: ``extensions/awx/credential_type.yml`` injected by the rules of AWX's
  ``CredentialType.inject_credential`` (awx/main/models/credential/__init__.py): only inputs that are set and not
  empty are in the template namespace (a missing one renders as ``''``), a missing boolean is ``false``; every
  ``injectors.file`` template is rendered and written to a file in the private data dir's ``env/`` (mode 0660, even
  when it renders empty), its path as ``tower.filename`` (a single ``template`` key) or ``tower.filename.<name>``
  (``template.<name>`` keys); then every ``injectors.env`` template is rendered and set, empty or not.
* The job templates and the project: ``extensions/awx/job_templates.md`` is read, not copied: its entry playbook
  (``site_provision.yml``; ``site_audit.yml`` "the same with moodleops.auth.audit") and its ``awx.awx.job_template``
  tasks (playbook, job_type, diff_mode, extra_vars, the survey's variable) are what the jobs run.
* The execution environment: the collection built with ``ansible-galaxy collection build`` and installed from the
  tarball into a directory of its own (ANSIBLE_COLLECTIONS_PATH), never this source tree.
* The container: every job gets a new private data dir, a new empty HOME and TMPDIR; only the token store volume
  (docs/awx.md, "A persistent store") outlives a job.
* The Vault credential (job_templates.md: secrets inside the description are vault variables): the site file's
  passwords are inline ``!vault`` values; the job gets ``--ask-vault-pass`` and runner answers the prompt, as AWX
  does with its expect_passwords.
* The launch: ``env/envvars`` (credential + HOME, TMPDIR, collections path), ``env/extravars`` (the template's
  extra_vars, the survey answer, awx_* variables), ``inventory/hosts`` (localhost, local connection, as AWX's Demo
  Inventory), and the command line AWX's ``build_args`` makes (``--check`` for job type check, ``--diff`` for
  Show changes, ``-v`` per verbosity level: 3 here); ``ansible_runner.run`` then runs ansible-playbook in
  ``project/`` (with the environment of the process that calls it, plus env/envvars: the test clears what a job
  container would not have)."""

import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment

from collection_paths import REPO_ROOT

AWX_DIR = os.path.join(REPO_ROOT, "extensions", "awx")
CREDENTIAL_TYPE = os.path.join(AWX_DIR, "credential_type.yml")
JOB_TEMPLATES = os.path.join(AWX_DIR, "job_templates.md")
EXAMPLE = os.path.join(REPO_ROOT, "playbooks", "examples", "site.yml")
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def plain(text):
    """Text without terminal colours (ansible-playbook colours its output on runner's pseudo-terminal)."""
    return ANSI.sub("", text)


def _tool(name):
    candidate = os.path.join(os.path.dirname(sys.executable), name)
    return candidate if os.path.exists(candidate) else name


def install_collection(directory):
    """Build this repository with ansible-galaxy and install the tarball under ``directory``: the collections path
    of an execution environment that has moodleops.auth installed. Returns that path."""
    dist = os.path.join(directory, "dist")
    collections = os.path.join(directory, "collections")
    env = dict(os.environ, HOME=os.path.join(directory, "home"), ANSIBLE_NOCOLOR="1")

    def galaxy(*args):
        run = subprocess.run([_tool("ansible-galaxy"), "collection"] + list(args), env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, universal_newlines=True, timeout=600, check=False)
        assert run.returncode == 0, "ansible-galaxy collection %s: exit %d\n%s" % (args[0], run.returncode, run.stdout)

    galaxy("build", "--force", "--output-path", dist, REPO_ROOT)
    [tarball] = glob.glob(os.path.join(dist, "moodleops-auth-*.tar.gz"))
    galaxy("install", "--force", "-p", collections, tarball)
    assert os.path.isfile(os.path.join(collections, "ansible_collections", "moodleops", "auth", "MANIFEST.json"))
    return collections


def load_credential_type():
    with open(CREDENTIAL_TYPE) as handle:
        return yaml.safe_load(handle)


class _Namespace(object):
    """AWX's ``tower`` template namespace (``tower.filename`` / ``tower.filename.<name>``)."""


def inject_credential(credential_type, inputs, env_dir):
    """What AWX injects for a credential of ``credential_type`` whose form was filled with ``inputs``.

    Returns (env, files, extra_vars, secrets): the environment variables (every ``injectors.env`` entry, rendered),
    {file injector label: path written under ``env_dir``}, the rendered ``injectors.extra_vars`` and the values of
    the secret inputs."""
    fields = credential_type["inputs"]["fields"]
    injectors = credential_type.get("injectors", {})
    sandbox = ImmutableSandboxedEnvironment()
    tower = _Namespace()
    namespace = {"tower": tower}
    for field in fields:
        value = inputs.get(field["id"])
        if field.get("type") == "boolean":
            namespace[field["id"]] = bool(value) if value is not None else False
        elif value not in (None, ""):
            namespace[field["id"]] = value
    files = {}
    for label, template in injectors.get("file", {}).items():
        data = sandbox.from_string(template).render(**namespace)
        handle, path = tempfile.mkstemp(dir=env_dir)
        with os.fdopen(handle, "w") as out:
            out.write(data)
        os.chmod(path, 0o660)
        if "." not in label:
            tower.filename = path
        else:
            if not hasattr(tower, "filename"):
                tower.filename = _Namespace()
            setattr(tower.filename, label.split(".")[1], path)
        files[label] = path
    env = dict((name, sandbox.from_string(template).render(**namespace))
               for name, template in injectors.get("env", {}).items())
    extra_vars = dict((name, sandbox.from_string(template).render(**namespace))
                      for name, template in injectors.get("extra_vars", {}).items())
    secrets = [inputs[field["id"]] for field in fields if field.get("secret") and inputs.get(field["id"])]
    return env, files, extra_vars, secrets


def job_templates_doc():
    """From extensions/awx/job_templates.md: (the entry playbook site_provision.yml as text, {playbook: the
    awx.awx.job_template task's parameters}, [the survey's variables])."""
    with open(JOB_TEMPLATES) as handle:
        blocks = re.findall(r"```yaml\n(.*?)```", handle.read(), re.S)
    entries = [block for block in blocks if "import_playbook" in block]
    as_code = [block for block in blocks if "awx.awx.job_template" in block]
    assert len(entries) == 1 and len(as_code) == 1, "job_templates.md: one entry playbook and one awx.awx play"
    [play] = yaml.safe_load(as_code[0])
    templates = dict((task["awx.awx.job_template"]["playbook"], task["awx.awx.job_template"])
                     for task in play["tasks"] if "awx.awx.job_template" in task)
    survey = [question["variable"] for question in play["vars"]["survey"]["spec"]]
    return entries[0], templates, survey


def project_playbooks():
    """{file name: text} of the project's entry playbooks, as job_templates.md gives them."""
    provision, templates, _survey = job_templates_doc()
    assert "moodleops.auth.provision_site" in provision
    audit = provision.replace("moodleops.auth.provision_site", "moodleops.auth.audit").replace(
        "Provision the site", "Audit the site")
    playbooks = {"site_provision.yml": provision, "site_audit.yml": audit}
    assert set(templates) == set(playbooks), sorted(templates)
    return playbooks


def vault_value(value, password):
    """``value`` as an inline ``!vault`` YAML value (what ansible-vault encrypt_string prints)."""
    from ansible.parsing.vault import VaultLib, VaultSecret
    text = VaultLib([("default", VaultSecret(password.encode()))]).encrypt(value).decode()
    return "!vault |\n" + "".join("  %s\n" % line for line in text.splitlines())


def site_file(token_store, vault_password, secrets):
    """playbooks/examples/site.yml as a project's sites/<name>.yml (text): its vault variables encrypted with
    ``vault_password`` (``secrets``: {variable: value}), the apilogin apikey from the credential
    (MOODLE_APILOGIN_SECRET) instead of the description, and, when ``token_store`` is given, every token entry's
    store on the volume that outlives the job containers (docs/awx.md, "Tokens on AWX"; otherwise the credential's
    State directory field puts the whole state there)."""
    with open(EXAMPLE) as handle:
        data = yaml.safe_load(handle)
    for name in [key for key in data if key.startswith("vault_")]:
        data.pop(name)
    data["moodle_site"]["apilogin"].pop("secret")
    for token in data["moodle_site"]["tokens"]:
        token.pop("token_store", None)
        if token_store:
            token["token_store"] = token_store
    header = "".join("%s: %s" % (name, vault_value(value, vault_password)) for name, value in sorted(secrets.items()))
    return "---\n" + header + "vault_userkey_ipwhitelist: 10.0.0.0/8\n" + yaml.safe_dump(data, sort_keys=False)


def build_args(template, verbosity):
    """The options AWX's RunJob.build_args adds for these template settings (inventory and extra vars are
    ansible-runner's: inventory/, env/extravars)."""
    args = []
    if verbosity:
        args.append("-" + "v" * min(5, verbosity))
    if template.get("job_type") == "check":
        args.append("--check")
    if template.get("diff_mode"):
        args.append("--diff")
    return args


class Job(object):
    """One finished job: runner's status, rc, stats, the job events and stdout, and where it ran."""

    def __init__(self, number, playbook, job_dir, private_data_dir, home, envvars, files, runner, seconds):
        self.number = number
        self.playbook = playbook
        self.job_dir = job_dir
        self.private_data_dir = private_data_dir
        self.home = home
        self.envvars = envvars
        self.files = files
        self.status = runner.status
        self.rc = runner.rc
        self.stats = runner.stats or {}
        self.seconds = seconds
        artifacts = os.path.join(private_data_dir, "artifacts", str(runner.config.ident))
        self.artifacts = artifacts
        self.event_files = sorted(glob.glob(os.path.join(artifacts, "job_events", "*.json")))
        self.event_texts = []
        self.events = []
        for path in self.event_files:
            with open(path) as handle:
                text = handle.read()
            self.event_texts.append(text)
            self.events.append(json.loads(text))
        self.events.sort(key=lambda event: event.get("counter", 0))
        self.stdout = ""
        for name in ("stdout", "stderr"):
            path = os.path.join(artifacts, name)
            if os.path.exists(path):
                with open(path) as handle:
                    self.stdout += handle.read()

    @property
    def text(self):
        return plain(self.stdout)

    def count(self, key, host="localhost"):
        """A play recap number (changed, ok, failures, dark, ...) from runner's stats (the playbook_on_stats event)."""
        return self.stats.get(key, {}).get(host, 0)

    def recap_event(self):
        found = [event for event in self.events if event.get("event") == "playbook_on_stats"]
        assert found, "no playbook_on_stats event"
        return found[-1]["event_data"]

    def task_paths(self):
        return [event["event_data"]["task_path"] for event in self.events
                if (event.get("event_data") or {}).get("task_path")]

    def describe(self):
        return "job %d (%s): status %s, rc %s, stats %s\n%s" % (
            self.number, self.playbook, self.status, self.rc,
            dict((key, value) for key, value in self.stats.items() if value), self.text[-6000:])

    def input_paths(self):
        """What the controller gave the job (credential, project, runner's own record of the env it was given):
        holds the secrets by design, not searched."""
        return [os.path.join(self.private_data_dir, "env"), os.path.join(self.private_data_dir, "project"),
                os.path.join(self.artifacts, "command")]

    def output_paths(self):
        """Searched as outputs (job events, stdout, stderr), not again as files."""
        return [os.path.join(self.artifacts, "job_events"), os.path.join(self.artifacts, "stdout"),
                os.path.join(self.artifacts, "stderr")]


class Controller(object):
    """Launches jobs of the documented templates for one site: a credential of the collection's type with
    ``inputs`` and a Vault credential (``vault_password``), a project holding sites/<site_name>.yml whose vault
    variables ``site_secrets`` are encrypted with it, the collection installed under ``collections``."""

    def __init__(self, workdir, collections, inputs, vault_password, site_secrets, site_name="campus", verbosity=3,
                 store_in_description=False):
        self.workdir = str(workdir)
        self.collections = collections
        self.inputs = dict(inputs)
        self.vault_password = vault_password
        self.site_secrets = dict(site_secrets)
        self.site_name = site_name
        self.verbosity = verbosity
        self.credential_type = load_credential_type()
        self.playbooks = project_playbooks()
        _entry, self.templates, self.survey = job_templates_doc()
        self.volume = os.path.join(self.workdir, "volume")      # the persistent volume mounted into every job
        os.makedirs(self.volume)
        self.store_in_description = store_in_description
        if not store_in_description:        # the credential's State directory field (MOODLEOPS_STATE_DIR)
            self.inputs.setdefault("state_dir", self.volume)
        self.jobs = []
        self.secrets = set([vault_password]) | set(self.site_secrets.values())

    def write_project(self, project):
        os.makedirs(os.path.join(project, "sites"))
        for name, text in self.playbooks.items():
            with open(os.path.join(project, name), "w") as out:
                out.write(text)
        with open(os.path.join(project, "sites", "%s.yml" % self.site_name), "w") as out:
            out.write(site_file(os.path.join(self.volume, "tokens.json") if self.store_in_description else None,
                                self.vault_password, self.site_secrets))

    def launch(self, playbook, extra_vars=None):
        """Run the job template whose playbook is ``playbook`` (site_provision.yml / site_audit.yml); returns a
        Job. ``extra_vars`` are added to the template's own."""
        import ansible_runner

        template = self.templates[playbook]
        number = len(self.jobs) + 1
        job_dir = os.path.join(self.workdir, "job-%d" % number)
        private_data_dir = os.path.join(job_dir, "private_data_dir")
        home = os.path.join(job_dir, "home")
        tmp = os.path.join(job_dir, "tmp")
        for directory in (os.path.join(private_data_dir, "env"), os.path.join(private_data_dir, "inventory"),
                          home, tmp):
            os.makedirs(directory)
        self.write_project(os.path.join(private_data_dir, "project"))
        env, files, credential_vars, secrets = inject_credential(self.credential_type, self.inputs,
                                                                 os.path.join(private_data_dir, "env"))
        self.secrets.update(secrets)
        envvars = dict(env)
        envvars.update({
            "HOME": home,                                   # a new container: an empty home
            "TMPDIR": tmp,
            "ANSIBLE_COLLECTIONS_PATH": self.collections,   # the execution environment's collections
        })
        answers = dict((variable, "sites/%s.yml" % self.site_name) for variable in self.survey)
        variables = dict(template.get("extra_vars") or {}, **answers)
        variables.update(credential_vars)
        variables.update(extra_vars or {})
        variables.update({"awx_job_id": number, "awx_job_template_name": template["name"], "tower_job_id": number})
        with open(os.path.join(private_data_dir, "env", "envvars"), "w") as out:
            json.dump(envvars, out, indent=1)
        with open(os.path.join(private_data_dir, "env", "extravars"), "w") as out:
            json.dump(variables, out, indent=1)
        with open(os.path.join(private_data_dir, "inventory", "hosts"), "w") as out:
            out.write("localhost ansible_connection=local ansible_python_interpreter='{{ ansible_playbook_python }}'\n")
        started = time.time()
        runner = ansible_runner.run(
            private_data_dir=private_data_dir, playbook=playbook, ident=str(number),
            # the Vault credential: --ask-vault-pass, its password answered at the prompt (AWX's expect_passwords)
            cmdline=" ".join(build_args(template, self.verbosity) + ["--ask-vault-pass"]),
            passwords={r"Vault password:\s*?$": self.vault_password}, quiet=True, suppress_env_files=True,
            timeout=900, cancel_callback=lambda: False)   # no SIGINT/SIGTERM handler taken from pytest
        job = Job(number, playbook, job_dir, private_data_dir, home, envvars, files, runner, time.time() - started)
        self.jobs.append(job)
        return job

    def outputs(self):
        """Every job event (as written) and every stdout / stderr."""
        texts = []
        for job in self.jobs:
            texts.extend(job.event_texts)
            texts.append(job.stdout)
        return texts

    def files(self):
        """Every file the jobs left (homes, temporary directories, artifacts, the token store volume), less what
        the controller gave them and what is searched as output."""
        from secrets_audit import files_under
        skip = []
        for job in self.jobs:
            skip.extend(job.input_paths() + job.output_paths())
        return [path for path in files_under(self.workdir)
                if not any(path == prefix or path.startswith(prefix + os.sep) for prefix in skip)]

    def token_values(self):
        path = os.path.join(self.volume, "tokens.json")
        if not os.path.exists(path):
            return set()
        with open(path) as handle:
            return set(entry["token"] for entry in json.load(handle)["tokens"].values() if entry.get("token"))

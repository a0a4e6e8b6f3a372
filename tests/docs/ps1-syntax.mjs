// ps1-syntax.mjs MODULES_DIR FILE.ps1: parse a PowerShell script with the
// tree-sitter PowerShell grammar (npm: web-tree-sitter, tree-sitter-powershell,
// installed under MODULES_DIR/node_modules) and report every syntax error.
// Exit 0 when the script parses cleanly, 1 on errors, 77 when the parser is
// not installed (no PowerShell runs here; this is the next best check).
import { createRequire } from 'module';
import fs from 'fs';
import path from 'path';

const [dir, file] = process.argv.slice(2);
const require = createRequire(path.join(path.resolve(dir), 'node_modules', 'x.js'));
let ts, wasm;
try {
    ts = require('web-tree-sitter');
    wasm = require.resolve('tree-sitter-powershell/tree-sitter-powershell.wasm');
} catch (e) {
    console.error(`SKIP: tree-sitter PowerShell parser not found under ${dir}: ${e.message}`);
    process.exit(77);
}
const { Parser, Language } = ts;
await Parser.init();
const parser = new Parser();
parser.setLanguage(await Language.load(wasm));
const tree = parser.parse(fs.readFileSync(file, 'utf8'));
let errors = 0;
(function walk(n) {
    if (n.type === 'ERROR' || n.isMissing) {
        errors++;
        const at = `${file}:${n.startPosition.row + 1}:${n.startPosition.column + 1}`;
        console.error(`${at}: ${n.isMissing ? 'missing ' + n.type : 'syntax error'}: ${JSON.stringify(n.text.slice(0, 60))}`);
    }
    for (const c of n.children) walk(c);
})(tree.rootNode);
if (errors) {
    console.error(`FAIL: ${errors} syntax error(s) in ${file}`);
    process.exit(1);
}
console.log(`ok: ${file} parses as PowerShell`);

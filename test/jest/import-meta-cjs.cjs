// Babel plugin for jest on Node < 24.9, where jest cannot require() an ES module: the ESM-only
// packages (NestJS 12) are compiled to CommonJS for the test run, and `import.meta.url` has no
// CommonJS form. It becomes the file's URL from __filename, through process.getBuiltinModule so
// that it does not touch `require` (these packages declare `const require = createRequire(...)`).
module.exports = function importMetaToCommonJs({ template }) {
  const url = template.expression.ast(
    'process.getBuiltinModule("node:url").pathToFileURL(__filename).href',
  );
  return {
    name: 'import-meta-cjs',
    visitor: {
      MetaProperty(path) {
        const member = path.parentPath;
        if (path.node.meta.name !== 'import' || !member.isMemberExpression()) return;
        if (member.node.property.name !== 'url') {
          throw member.buildCodeFrameError('only import.meta.url has a CommonJS form here');
        }
        member.replaceWith(structuredClone(url));
      },
    },
  };
};

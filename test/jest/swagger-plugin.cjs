// ts-jest wants { name, version, factory }; @nestjs/swagger 12 ships its plugin as an ES module exporting `before`.
const { before } = require('@nestjs/swagger/plugin');

module.exports = {
  name: 'nestjs-swagger-plugin',
  version: '1',
  factory: (compiler, options) => before(options, compiler.program),
};

// placeholder until this module has content
